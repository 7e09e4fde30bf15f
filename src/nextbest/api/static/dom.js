// Small DOM helpers. Data always enters the page as text nodes or checked attributes, never as
// markup, so a CRM value such as `<img src=x onerror=...>` shows as the characters it contains.

/**
 * Create an element with attributes and children.
 *
 * Attributes whose value is null, undefined or false are skipped; functions under `on...` names
 * become event listeners. Strings and numbers among the children become text nodes.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name === "class") {
      node.className = value;
    } else if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.append(typeof child === "number" ? String(child) : child);
  }
  return node;
}

const TIERS = new Set(["A", "B", "C"]);

/** Make a coloured tier badge that spells out the tier too, so colour is not needed. */
export function tierBadge(tier) {
  const known = TIERS.has(tier) ? tier : "unknown";
  return el("span", { class: `tier tier-${known}`, title: `Tier ${tier}` }, `Tier ${tier}`);
}

/** Format a 0-100 score as Python's `{score:g}` does for one decimal: 94.7, 90. */
export function formatScore(score) {
  return Number(score).toFixed(1).replace(/\.0$/, "");
}

/** Return the URL when it is http or https, else null, so `javascript:` links never appear. */
export function safeUrl(url) {
  if (!url) {
    return null;
  }
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Render strings as a `<ul>`, or as a paragraph saying there are none. */
export function bulletList(items, empty = "None.") {
  if (!items.length) {
    return el("p", { class: "muted" }, empty);
  }
  return el("ul", {}, items.map((item) => el("li", {}, item)));
}
