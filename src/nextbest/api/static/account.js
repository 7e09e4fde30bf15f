// The account pane: one account's components, reasons and score history across runs.

import { el, formatScore, tierBadge } from "./dom.js";

const COMPONENTS = [
  ["fit", "Fit"],
  ["intent", "Intent"],
  ["relationship", "Relationship"],
  ["engagement", "Engagement"],
  ["negative", "Negative"],
];
const SVG = "http://www.w3.org/2000/svg";

function componentBar(key, label, value) {
  const negative = key === "negative";
  const shown = negative && value > 0 ? `−${formatScore(value)}` : formatScore(value);
  const fill = el("span", { class: "bar-fill" });
  // CSSOM properties are allowed under the page's style-src 'self'; style attributes are not.
  fill.style.width = `${Math.max(0, Math.min(100, value))}%`;
  return el(
    "div",
    { class: negative ? "bar negative" : "bar" },
    el("span", { class: "bar-label", id: `bar-${key}` }, label),
    el(
      "span",
      {
        class: "bar-track",
        role: "meter",
        "aria-labelledby": `bar-${key}`,
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": value,
        "aria-valuetext": negative ? `${shown} points subtracted` : `${shown} of 100`,
      },
      fill,
    ),
    el("span", { class: "bar-value" }, shown),
  );
}

/** A line of the scores over runs, oldest on the left; null for fewer than two runs. */
function sparkline(history) {
  if (history.length < 2) {
    return null;
  }
  const points = [...history].reverse();
  const width = 300;
  const height = 60;
  const step = width / (points.length - 1);
  const coordinates = points
    .map((point, index) => `${(index * step).toFixed(1)},${(height - (point.score / 100) * height).toFixed(1)}`)
    .join(" ");
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  svg.setAttribute(
    "aria-label",
    `Score from ${formatScore(points[0].score)} to ${formatScore(points.at(-1).score)} over ${points.length} runs`,
  );
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", coordinates);
  svg.append(line);
  return svg;
}

function historyTable(history) {
  return el(
    "table",
    { class: "history" },
    el("caption", { class: "visually-hidden" }, "Score in each stored run, newest first"),
    el(
      "thead",
      {},
      el("tr", {}, ["As of", "Score", "Tier", "Rank", "Run"].map((title) => el("th", { scope: "col" }, title))),
    ),
    el(
      "tbody",
      {},
      history.map((point) =>
        el(
          "tr",
          {},
          el("td", {}, point.as_of),
          el("td", { class: "number" }, formatScore(point.score)),
          el("td", {}, tierBadge(point.tier)),
          el("td", { class: "number" }, point.rank),
          el("td", { class: "muted" }, point.run_id),
        ),
      ),
    ),
  );
}

function factsLine(account) {
  const facts = [account.account_id, account.industry, account.country, account.domain];
  return el("p", { class: "muted" }, facts.filter(Boolean).join(" · "));
}

function qualification(account) {
  if (account.qualified) {
    return el("span", { class: "qualified" }, "Qualified");
  }
  const because = account.disqualified_because ? `: ${account.disqualified_because}` : "";
  return el("span", { class: "warning" }, `Not qualified${because}`);
}

/**
 * Fill the account pane. `onAsk(message)` sends a chat message, which the buttons use to ask
 * for this account's brief and contacts.
 */
export function renderAccount(pane, account, onAsk) {
  const history = account.history || [];
  const children = [
    el("h2", { id: "account-heading" }, account.name),
    factsLine(account),
    el(
      "p",
      { class: "figures" },
      tierBadge(account.tier),
      el("span", { class: "score" }, `Score ${formatScore(account.score)}`),
      el("span", {}, `Rank ${account.rank}`),
      el("span", {}, `Owner: ${account.owner || "none"}`),
      qualification(account),
    ),
    el(
      "div",
      { class: "actions" },
      el(
        "button",
        { type: "button", onclick: () => onAsk(`brief for ${account.account_id}`) },
        "Brief",
      ),
      el(
        "button",
        {
          type: "button",
          class: "quiet",
          onclick: () => onAsk(`who should I contact at ${account.account_id}`),
        },
        "Whom to contact",
      ),
    ),
    el("h3", {}, "Components"),
    el("div", { class: "bars" }, COMPONENTS.map(([key, label]) => componentBar(key, label, account.components[key] ?? 0))),
    el("h3", {}, "Reasons"),
    account.reasons.length
      ? el("ol", { class: "reasons", "aria-label": "Reasons" }, account.reasons.map((reason) => el("li", {}, reason)))
      : el("p", { class: "muted" }, "No scored signals."),
    el("h3", {}, "Score history"),
    sparkline(history),
    history.length ? historyTable(history) : el("p", { class: "muted" }, "No stored runs."),
  ];
  pane.replaceChildren(...children.filter(Boolean));
}

/** Put a message in the account pane: while loading, or when loading failed. */
export function accountMessage(pane, message, isError = false) {
  pane.replaceChildren(
    el("h2", { id: "account-heading" }, "Account"),
    el("p", { class: isError ? "error" : "placeholder", role: isError ? "alert" : null }, message),
  );
}
