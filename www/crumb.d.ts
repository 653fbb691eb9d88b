/**
 * Crumb: the cookie-consent banner's public JavaScript contract.
 *
 * `loader.js` publishes the API on `window.Crumb` (or `window.CrumbConsent` when the page already
 * owns `window.Crumb`), sends its events on `window`, and pushes a `dataLayer` event for tag
 * managers. Use this file with `/// <reference path="crumb.d.ts" />`, by listing it in your
 * `tsconfig.json`, or `import type { CrumbConsent } from "./crumb"`.
 *
 * Kept true by `crates/crumb-core/tests/contract.rs`: the methods and properties here are
 * `crumb_core::contract::{API_METHODS, API_PROPERTIES}`, the events are `contract::EVENTS`, and
 * the shapes of {@link CrumbConsent} and {@link CrumbDiff} are the JSON of the Rust `Consent` and
 * `Diff`.
 */

/**
 * A category id from the site's config (`"analytics"`, `"marketing"`, or a custom one): 1-40
 * characters of `a-z`, `0-9`, `_` and `-`, starting with a letter.
 */
export type CategoryId = string;

/** A service id from the site's config (`"ga4"`, `"meta-pixel"`); same rule as {@link CategoryId}. */
export type ServiceId = string;

/**
 * A language code the site offers (`"en"`, `"de"`, `"pt-BR"`, `"zh-Hant"`). `setLanguage`
 * also accepts region and script variants and matches them as negotiation does (`"pt-br"`,
 * `"nl-BE"`).
 */
export type LanguageCode = string;

/**
 * The consent in force, as stored in `localStorage["crumb"]` and mirrored to the cookie
 * `crumb_consent`. Times are epoch milliseconds.
 */
export interface CrumbConsent {
  /** Version of this shape. */
  v: 1;
  /** The consent's id (a UUID v4), the same in every record about this consent. */
  id: string;
  /** Every category of the config: `true` when granted. Required categories are always `true`. */
  categories: Record<CategoryId, boolean>;
  /**
   * Every service of the config: `true` when it may run. A service follows its category, unless
   * the shopper switched it off inside a granted category or granted it on its own ("Load
   * content" on a blocked embed).
   */
  services: Record<ServiceId, boolean>;
  /** The config's `revision` the consent was given under; a new revision asks again. */
  revision: number;
  /** When the shopper first decided. */
  given_at: number;
  /** When the shopper last changed the decision. */
  updated_at: number;
  /** When the consent lapses and the banner shows again (at most 13 months after `updated_at`). */
  expires_at: number;
  /** The language the banner spoke when the shopper decided. */
  language: LanguageCode;
}

/** What a decision changed: the `detail` of `crumb:change`. Each list may be empty, not all. */
export interface CrumbDiff {
  /** Categories granted now that were not before. */
  granted: CategoryId[];
  /** Categories granted before and refused now (their cookies are erased). */
  revoked: CategoryId[];
  /** Services granted on their own now that were not before. */
  services_granted: ServiceId[];
  /** Services granted before and refused now. */
  services_revoked: ServiceId[];
}

/** The `detail` of `crumb:ready`: `true`, or `"unconfigured"` when the config is broken. */
export type CrumbReadyDetail = true | "unconfigured";

/** The events Crumb sends on `window`, with the type of each one's `detail`. */
export interface CrumbEventMap {
  /**
   * Once, when the API is installed; calls queued before it are replayed right after. With a
   * broken config the detail is `"unconfigured"` and everything optional stays denied.
   */
  "crumb:ready": CustomEvent<CrumbReadyDetail>;
  /** After every decision, and on every page load with a consent in force. */
  "crumb:consent": CustomEvent<CrumbConsent>;
  /** After a decision that changed something. */
  "crumb:change": CustomEvent<CrumbDiff>;
}

/** An event's name as `Crumb.on` takes it: without the `crumb:` prefix. */
export type CrumbEventName = "ready" | "consent" | "change";

/** The `detail` each event hands to a `Crumb.on` listener. */
export interface CrumbEventDetail {
  ready: CrumbReadyDetail;
  consent: CrumbConsent;
  change: CrumbDiff;
}

/** How a decision is logged: `crumb_action` of the `dataLayer` event. */
export type CrumbAction = "accept_all" | "reject_all" | "custom" | "withdraw";

/**
 * Pushed to `window.dataLayer` after every decision and on every page load with a consent in
 * force (`crumb_action` only after a decision).
 */
export interface CrumbDataLayerEvent {
  event: "crumb_consent";
  /** {@link CrumbConsent.categories} of the consent in force. */
  crumb_categories: Record<CategoryId, boolean>;
  crumb_action?: CrumbAction;
}

/**
 * `window.Crumb`. Until the widget is ready (`ready === false`), `loader.js`'s stub queues the
 * actions (`show`, `hide`, `showPreferences`, `acceptCategory`, `setLanguage`, `reset`) and
 * replays them in order right after `crumb:ready`, while the questions answer "denied"
 * (`acceptedCategory` and `acceptedService` `false`, `getConsent` `null`). With a broken config
 * the actions only warn in the console and the questions keep answering "denied".
 */
export interface CrumbApi {
  /** `false` on the loader's stub and with a broken config; `true` once the widget runs. */
  readonly ready: boolean;
  /** The widget's version (`"0.1.0"`); absent until the widget has loaded. */
  readonly version?: string;

  /** Shows the banner. */
  show(): void;
  /** Hides the banner or the preference center. Hiding is not consent: nothing is granted. */
  hide(): void;
  /** Opens the preference center. */
  showPreferences(): void;
  /**
   * Decides for the shopper, as the banner's buttons do, and records it:
   * - no argument or `"all"`: accept every category;
   * - a category id or a list of them: accept exactly these (required categories stay on);
   * - an empty list: reject all.
   *
   * @default "all"
   */
  acceptCategory(categories?: "all" | CategoryId | CategoryId[]): void;
  /** Whether the category is granted by the consent in force (`false` without one). */
  acceptedCategory(category: CategoryId): boolean;
  /**
   * Whether the service may run under the consent in force (`false` without one): its own
   * answer in {@link CrumbConsent.services}, which may differ from its category's.
   */
  acceptedService(service: ServiceId): boolean;
  /** The consent in force, or `null` when the shopper has not decided (or it lapsed). */
  getConsent(): CrumbConsent | null;
  /**
   * Switches to one of the site's languages, fetching only that language's file. Resolves to
   * `true`, or to `false` with a console error for a code the site does not offer or a file
   * that does not load. Before the widget is ready the call is queued and returns `undefined`.
   */
  setLanguage(code: LanguageCode): Promise<boolean> | undefined;
  /**
   * Forgets the consent: erases the cookies and storage of every optional category, tells
   * Consent Mode, and shows the banner again.
   */
  reset(): void;
  /**
   * Calls `listener(detail)` on every `crumb:<event>`; works before the widget is ready.
   *
   * @returns a function that unsubscribes the listener
   */
  on<E extends CrumbEventName>(event: E, listener: (detail: CrumbEventDetail[E]) => void): () => void;
}

declare global {
  interface Window {
    /** The consent API (see {@link CrumbApi}); set by `loader.js` as soon as it runs. */
    Crumb: CrumbApi;
    /** The consent API when the page already had a `window.Crumb` of its own. */
    CrumbConsent?: CrumbApi;
    /** Google's tag queue; Consent Mode defaults and {@link CrumbDataLayerEvent}s go here. */
    dataLayer: unknown[];
  }
  interface WindowEventMap extends CrumbEventMap {}
}
