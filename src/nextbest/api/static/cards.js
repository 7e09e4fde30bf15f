// Cards in the chat pane: a brief, one account's score, a list of accounts.
// The brief's sections follow the order of the Markdown brief (nextbest.api.render).

import { bulletList, el, formatScore, safeUrl, tierBadge } from "./dom.js";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Split an ISO 8601 timestamp into its day and time as written, in the account's own offset. */
function localParts(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  if (!match) {
    return null;
  }
  const [, year, month, day, hour, minute] = match;
  const weekday = WEEKDAYS[new Date(Date.UTC(+year, +month - 1, +day)).getUTCDay()];
  return {
    day: `${weekday} ${day} ${MONTHS[+month - 1]} ${year}`,
    time: `${hour}:${minute}`,
  };
}

/** Format the contact window, e.g. "Tue 01 Dec 2026, 09:00-17:00 Australia/Sydney". */
export function contactWindow(timing) {
  const first = localParts(timing.start);
  const last = localParts(timing.end);
  if (!first || !last) {
    return `${timing.start} to ${timing.end} ${timing.timezone}`;
  }
  if (first.day === last.day) {
    return `${first.day}, ${first.time}-${last.time} ${timing.timezone}`;
  }
  return `${first.day} ${first.time} to ${last.day} ${last.time} ${timing.timezone}`;
}

function section(title, ...body) {
  return el("section", { class: "card-section" }, el("h4", {}, title), ...body);
}

function copyButton(label, text) {
  const attributes = { type: "button", class: "quiet small", "aria-label": label };
  const button = el("button", attributes, "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed";
    }
  });
  return button;
}

function draft(title, text, subject) {
  const copied = subject ? `Subject: ${subject}\n\n${text}` : text;
  return el(
    "details",
    { class: "draft" },
    el("summary", {}, title),
    subject ? el("p", {}, el("strong", {}, "Subject: "), subject) : null,
    el("p", { class: "draft-text" }, text),
    copyButton(`Copy ${title.toLowerCase()}`, copied),
  );
}

function contactItem(contact) {
  return el(
    "li",
    {},
    el("strong", {}, contact.name || contact.contact_id),
    contact.title ? `, ${contact.title}` : "",
    " ",
    el("span", { class: "role" }, contact.role),
    `: ${contact.reason}`,
  );
}

function channelItem(step) {
  return el(
    "li",
    {},
    el("span", { class: "step-when" }, `Day ${step.day}, ${step.channel}`),
    `: ${step.action} `,
    el("span", { class: "muted" }, `(${step.reason})`),
  );
}

function contentItem(pick) {
  const url = safeUrl(pick.url);
  const title = pick.title || pick.id;
  const titleNode = url
    ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, title)
    : el("span", {}, title);
  return el("li", {}, titleNode, " ", el("code", {}, pick.id), `: ${pick.reason}`);
}

/** Render the brief as a card headed by the account, its tier and score. */
export function briefCard(brief) {
  const timing = brief.timing;
  const product = brief.product.name || "No single product";
  let madeBy = brief.generated_by;
  if (brief.fallback_reason) {
    madeBy += ` (${brief.fallback_reason})`;
  }

  const card = el(
    "article",
    { class: "card brief", "aria-label": `Brief for ${brief.name}` },
    el(
      "header",
      { class: "card-head" },
      el("h3", {}, `${brief.name} `, el("span", { class: "muted" }, `(${brief.account_id})`)),
      el(
        "p",
        { class: "figures" },
        tierBadge(brief.tier),
        el("span", { class: "score" }, `Score ${formatScore(brief.score)}`),
        el("span", {}, `Rank ${brief.rank}`),
        brief.qualified ? null : el("span", { class: "warning" }, "Not qualified"),
      ),
    ),
    el("p", { class: "next-step" }, el("strong", {}, "Next step: "), brief.next_step),
    el("p", {}, el("strong", {}, "When: "), `${contactWindow(timing)}. ${timing.reason}.`),
    section("Why now", bulletList(brief.why_now)),
    section("Lead with", el("p", {}, el("strong", {}, product), `: ${brief.product.reason}`)),
    section(
      "Whom to contact",
      brief.contacts.length
        ? el("ul", { class: "contacts" }, brief.contacts.map(contactItem))
        : el("p", { class: "muted" }, "No contacts are known."),
    ),
  );

  if (brief.channels.length) {
    card.append(section("Channels", el("ol", { class: "steps" }, brief.channels.map(channelItem))));
  }
  if (brief.content.length) {
    card.append(section("Content", el("ul", {}, brief.content.map(contentItem))));
  }
  if (brief.talking_points.length) {
    card.append(section("Talking points", bulletList(brief.talking_points)));
  }
  const drafts = brief.drafts;
  const draftNodes = [
    drafts.email_body ? draft("Email", drafts.email_body, drafts.email_subject) : null,
    drafts.call_opener ? draft("Call opener", drafts.call_opener) : null,
    drafts.social_note ? draft("Social note", drafts.social_note) : null,
  ].filter(Boolean);
  if (draftNodes.length) {
    card.append(section("Drafts", ...draftNodes));
  }
  if (brief.guardrail_notes.length) {
    card.append(section("Notes", bulletList(brief.guardrail_notes)));
  }
  card.append(
    el(
      "footer",
      { class: "card-foot" },
      `Generated by ${madeBy}, run ${brief.run_id} as of ${brief.as_of}. `,
      `Sources: ${brief.sources.join("; ")}.`,
    ),
  );
  return card;
}

const COMPONENT_NAMES = {
  fit: "Fit",
  intent: "Intent",
  relationship: "Relationship",
  engagement: "Engagement",
  negative: "Negative",
};

function componentsLine(components) {
  return Object.entries(COMPONENT_NAMES)
    .filter(([key]) => key in components)
    .map(([key, name]) => `${name} ${formatScore(components[key])}`)
    .join(" · ");
}

/**
 * Render one account's tier, score and components, with a button that opens the account.
 * The reply's text lists the reasons, so the card leaves them out.
 */
export function accountCard(account, onOpen) {
  return el(
    "article",
    { class: "card", "aria-label": `Account ${account.name}` },
    el(
      "header",
      { class: "card-head" },
      el("h3", {}, `${account.name} `, el("span", { class: "muted" }, `(${account.account_id})`)),
      el(
        "p",
        { class: "figures" },
        tierBadge(account.tier),
        el("span", { class: "score" }, `Score ${formatScore(account.score)}`),
        el("span", {}, `Rank ${account.rank} of ${account.accounts_in_run}`),
      ),
    ),
    el("p", { class: "muted" }, componentsLine(account.components)),
    el(
      "button",
      { type: "button", class: "small", onclick: () => onOpen(account.account_id) },
      "Open account",
    ),
  );
}

/** Render a list of accounts whose rows open the account in the account pane. */
export function accountsCard(result, onOpen) {
  const rows = result.accounts.map((row) =>
    el(
      "li",
      {},
      el(
        "button",
        { type: "button", class: "row-button", onclick: () => onOpen(row.account_id) },
        el("span", { class: "rank" }, `${row.rank}.`),
        el("span", { class: "name" }, row.name),
        tierBadge(row.tier),
        el("span", { class: "score" }, formatScore(row.score)),
      ),
    ),
  );
  return el(
    "article",
    { class: "card", "aria-label": `Accounts as of ${result.as_of}` },
    el("ol", { class: "card-accounts" }, rows),
  );
}
