import init, { start } from "/configurator/crumb_configurator.js";
init().then(() => start());
