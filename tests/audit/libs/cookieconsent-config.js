// orestbida's cookieconsent (vanilla-cookieconsent 3.1.0) on the audit's test page cookieconsent.html,
// configured as its documentation recommends for a GDPR site: opt-in mode, "necessary" read-only,
// "analytics" off until allowed, equal-weight accept and reject buttons on the first layer, the
// analytics cookie and storage key declared in the preference center's cookie table and cleared
// again when analytics is refused. The analytics tag is a <script type="text/plain"
// data-category="analytics"> in the page, which the library runs only after consent.
// One departure from the defaults, for the audit only: hideFromBots is off. With it on (the
// default) the library shows nothing and runs nothing when navigator.webdriver is true, so an
// automated browser would never see the banner (the documentation says to turn it off for tests).
CookieConsent.run({
  mode: "opt-in",
  hideFromBots: false,
  revision: 0,
  guiOptions: {
    consentModal: { layout: "box", position: "bottom right", equalWeightButtons: true, flipButtons: false },
    preferencesModal: { layout: "box", equalWeightButtons: true, flipButtons: false },
  },
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: {
      autoClear: { cookies: [{ name: /^_sa_/ }] },
    },
  },
  language: {
    default: "en",
    translations: {
      en: {
        consentModal: {
          title: "We use cookies",
          description:
            "We use strictly necessary cookies to run the shop and, only if you allow it, our own analytics to see which pages are read.",
          acceptAllBtn: "Accept all",
          acceptNecessaryBtn: "Reject all",
          showPreferencesBtn: "Manage preferences",
          footer: '<a href="#privacy">Privacy policy</a>',
        },
        preferencesModal: {
          title: "Cookie preferences",
          acceptAllBtn: "Accept all",
          acceptNecessaryBtn: "Reject all",
          savePreferencesBtn: "Save preferences",
          closeIconLabel: "Close",
          sections: [
            {
              title: "Your choice",
              description: "Choose which optional cookies we may use. You can change your choice at any time.",
            },
            {
              title: "Strictly necessary",
              description: "Needed for the shop to work (your basket and this choice). Always on.",
              linkedCategory: "necessary",
              cookieTable: {
                headers: { name: "Name", domain: "Service", desc: "Description", exp: "Expiry" },
                body: [{ name: "cc_cookie", domain: "This site", desc: "Remembers your cookie choice.", exp: "6 months" }],
              },
            },
            {
              title: "Analytics",
              description: "Our own analytics: which pages are read, without sharing anything with others.",
              linkedCategory: "analytics",
              cookieTable: {
                headers: { name: "Name", domain: "Service", desc: "Description", exp: "Expiry" },
                body: [
                  { name: "_sa_id", domain: "This site", desc: "Tells visits apart (cookie).", exp: "13 months" },
                  { name: "sa_session", domain: "This site", desc: "The current visit (localStorage).", exp: "Until cleared" },
                ],
              },
            },
          ],
        },
      },
    },
  },
});
