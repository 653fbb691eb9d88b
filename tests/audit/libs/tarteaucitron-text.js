// Texts for tarteaucitron.html, read by tarteaucitron.js when it loads (so this file comes first):
// the description of the shop's analytics service, naming what it stores, since tarteaucitron's
// panel shows only a count of a service's cookies, not their names.
var tarteaucitronCustomText = {
  "desc-crumbanalytics":
    "Our own analytics: the cookie _sa_id (kept 13 months) and the localStorage key sa_session. Nothing is shared with others.",
};
