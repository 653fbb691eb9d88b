// Klaro 0.7.22 on the audit's test page klaro.html, configured from Klaro's annotated example
// config (dist/config.js) with its recommended GDPR settings: services off by default, no opt-out
// services, "Accept all" and "Decline" on the notice, consent kept in a cookie for 365 days (the
// library's default would be 120). The analytics tag is a <script type="text/plain"
// data-name="analytics"> in the page, which Klaro runs only after consent; its cookie is listed
// for deletion on withdrawal.
var klaroConfig = {
  version: 1,
  elementID: "klaro",
  styling: { theme: ["light", "bottom", "wide"] },
  noAutoLoad: false,
  htmlTexts: true,
  embedded: false,
  groupByPurpose: true,
  storageMethod: "cookie",
  cookieName: "klaro",
  cookieExpiresAfterDays: 365,
  default: false,
  mustConsent: false,
  acceptAll: true,
  hideDeclineAll: false,
  hideLearnMore: false,
  noticeAsModal: false,
  lang: "en",
  translations: {
    zz: { privacyPolicyUrl: "#privacy" },
    en: {
      consentModal: {
        description:
          "Here you can see and choose what we store on your device. Our own analytics sets the cookie _sa_id (13 months) and the localStorage key sa_session.",
      },
      purposes: {
        functional: { title: "Strictly necessary" },
        analytics: { title: "Analytics" },
      },
      shop: { description: "Runs the shop: your basket and your cookie choice (cookie klaro)." },
      analytics: { description: "Our own analytics: the cookie _sa_id (13 months) and the localStorage key sa_session." },
    },
  },
  services: [
    {
      name: "shop",
      title: "The shop",
      purposes: ["functional"],
      required: true,
    },
    {
      name: "analytics",
      title: "Crumb Bakery analytics",
      purposes: ["analytics"],
      default: false,
      required: false,
      optOut: false,
      onlyOnce: true,
      cookies: ["_sa_id"],
    },
  ],
};

// The page's "Cookie settings" link reopens Klaro's consent manager (README: klaro.show()).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("#klaro-reopen");
  if (link && window.klaro) {
    event.preventDefault();
    window.klaro.show();
  }
});
