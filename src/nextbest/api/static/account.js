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
  const valueText = negative && value > 0 ? `−${formatScore(value)}` : formatScore(value);
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
        "aria-valuetext": negative ? `${valueText} points subtracted` : `${valueText} of 100`,
      },
      fill,
    ),
    el("span", { class: "bar-value" }, valueText),
  );
}

/** Describe how the score and tier moved from the oldest stored run to the newest. */
function trend(points) {
  const first = points[0];
  const last = points.at(-1);
  const change = last.score - first.score;
  let sign = "±";
  if (change > 0) {
    sign = "+";
  } else if (change < 0) {
    sign = "−";
  }
  const moved = `${sign}${formatScore(Math.abs(change))}`;
  let text = `Score ${formatScore(first.score)} → ${formatScore(last.score)} (${moved})`;
  text += ` over ${points.length} runs`;
  if (first.tier !== last.tier) {
    text += `, tier ${first.tier} → ${last.tier}`;
  }
  return text;
}

/**
 * Draw the scores over runs as a line, oldest on the left, with the trend in words. Returns null
 * for fewer than two runs. The vertical axis spans the scores shown plus a margin, not all of
 * 0-100, so that a move of one point is visible.
 */
function sparkline(history) {
  if (history.length < 2) {
    return null;
  }
  const points = [...history].reverse();
  const scores = points.map((point) => point.score);
  const low = Math.max(0, Math.min(...scores) - 5);
  const high = Math.min(100, Math.max(...scores) + 5);
  const width = 300;
  const height = 48;
  const step = width / (points.length - 1);
  const y = (score) => height - ((score - low) / (high - low || 1)) * height;
  const coordinates = points
    .map((point, index) => `${(index * step).toFixed(1)},${y(point.score).toFixed(1)}`)
    .join(" ");

  const description = trend(points);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", description);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", coordinates);
  svg.append(line);
  return el("figure", { class: "trend" }, svg, el("figcaption", { class: "muted" }, description));
}

function historyTable(history) {
  return el(
    "table",
    { class: "history" },
    el("caption", { class: "visually-hidden" }, "Score in each stored run, newest first"),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ["As of", "Score", "Tier", "Rank", "Run"].map((title) => el("th", { scope: "col" }, title)),
      ),
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
    el(
      "div",
      { class: "bars" },
      COMPONENTS.map(([key, label]) => componentBar(key, label, account.components[key] ?? 0)),
    ),
    el("h3", {}, "Reasons"),
    account.reasons.length
      ? el(
          "ol",
          { class: "reasons", "aria-label": "Reasons" },
          account.reasons.map((reason) => el("li", {}, reason)),
        )
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
