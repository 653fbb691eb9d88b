// tarteaucitron 1.34.0 on the audit's test page tarteaucitron.html, initialised with the settings
// its README lists (highPrivacy on: no consent by scrolling; deny-all and accept-all buttons; the
// cookie icon to change the choice later; the mandatory-cookies line), plus a custom service for
// the shop's own analytics, which tarteaucitron loads only after consent. The service declares its
// cookie and storage key.
tarteaucitron.init({
  privacyUrl: "#privacy",
  bodyPosition: "bottom",
  hashtag: "#tarteaucitron",
  cookieName: "tarteaucitron",
  orientation: "middle",
  groupServices: false,
  showDetailsOnClick: true,
  serviceDefaultState: "wait",
  showAlertSmall: false,
  showTitleBanner: false,
  cookieslist: false,
  cookieslistEmbed: false,
  showIcon: true,
  iconPosition: "BottomRight",
  adblocker: false,
  DenyAllCta: true,
  AcceptAllCta: true,
  highPrivacy: true,
  alwaysNeedConsent: false,
  handleBrowserDNTRequest: false,
  removeCredit: false,
  moreInfoLink: true,
  useExternalCss: false,
  useExternalJs: false,
  readmoreLink: "",
  mandatory: true,
  mandatoryCta: true,
  googleConsentMode: true,
  bingConsentMode: true,
  pianoConsentMode: true,
  pianoConsentModeEssential: false,
  softConsentMode: false,
  dataLayer: false,
  serverSide: false,
  partnersList: false,
});

tarteaucitron.services.crumbanalytics = {
  key: "crumbanalytics",
  type: "analytic",
  name: "Crumb Bakery analytics",
  uri: "#privacy",
  readmoreLink: "#privacy",
  needConsent: true,
  cookies: ["_sa_id", "sa_session"],
  js: function () {
    "use strict";
    tarteaucitron.addScript("/p/audit/libs/analytics.js");
  },
};

(tarteaucitron.job = tarteaucitron.job || []).push("crumbanalytics");
