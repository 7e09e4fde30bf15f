// The rep chat page: ranked accounts on the left, one account in the middle, chat on the right.

import { accountMessage, renderAccount } from "./account.js";
import {
  ApiError,
  ConnectionLostError,
  forgetKey,
  getJson,
  MalformedEventError,
  storeKey,
  storedKey,
  streamChat,
} from "./api.js";
import { accountCard, accountsCard, briefCard } from "./cards.js";
import { el, formatScore, tierBadge } from "./dom.js";

const PAGE_SIZE = 25;
const CREATE_KEY = "nextbest api-key create --scope write";

const byId = (id) => document.getElementById(id);
const keyDialog = byId("key-dialog");
const keyInput = byId("key-input");
const keyError = byId("key-error");
const filters = byId("filters");
const accountList = byId("account-list");
const accountsStatus = byId("accounts-status");
const accountPane = byId("account");
const conversation = byId("conversation");
const chatForm = byId("chat-form");
const messageInput = byId("message");
const sendButton = byId("send");
const chatMode = byId("chat-mode");

const state = {
  offset: 0,
  filters: {},
  selected: null,
  owners: new Set(),
  answering: false,
  // Kept in memory only: a reload clears the transcript, so it starts a new conversation too.
  conversationId: null,
  // Counts "New conversation" presses, so that a late reply can tell it is from before one.
  generation: 0,
};

// The API key

function askForKey(message = "") {
  keyError.textContent = message;
  keyInput.value = "";
  if (!keyDialog.open) {
    keyDialog.showModal();
  }
  keyInput.focus();
}

/** Explain a 401 or 403 and name the key that the server would accept. */
function keyProblem(error) {
  if (error.status === 401) {
    return (
      `The server rejected the API key (${error.message}). ` +
      `Paste a key from \`${CREATE_KEY}\`.`
    );
  }
  return (
    `This API key is not allowed here: ${error.message}. ` +
    `Chat and briefs need a write key from \`${CREATE_KEY}\`.`
  );
}

keyDialog.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    keyError.textContent = "Paste an API key first.";
    return;
  }
  storeKey(key);
  keyDialog.close();
  loadAccounts();
  if (state.selected) {
    openAccount(state.selected);
  }
});

byId("change-key").addEventListener("click", () => {
  forgetKey();
  askForKey();
});

// Ranked accounts

function ownerDatalist() {
  byId("owners").replaceChildren(
    ...[...state.owners].sort().map((owner) => el("option", { value: owner })),
  );
}

function accountRow(row) {
  const button = el(
    "button",
    {
      type: "button",
      class: "account-row",
      "aria-current": row.account_id === state.selected ? "true" : null,
      "data-account-id": row.account_id,
      onclick: () => openAccount(row.account_id),
    },
    el("span", { class: "rank" }, row.rank),
    el(
      "span",
      { class: "row-main" },
      el("span", { class: "name" }, row.name),
      el(
        "span",
        { class: "owner" },
        row.owner || "No owner",
        row.qualified ? null : el("span", { class: "warning" }, " · not qualified"),
      ),
      row.top_reason ? el("span", { class: "reason" }, row.top_reason) : null,
    ),
    el(
      "span",
      { class: "row-side" },
      el("span", { class: "score" }, formatScore(row.score)),
      tierBadge(row.tier),
    ),
  );
  return el("li", {}, button);
}

function showAccountsPage(page) {
  const rows = page.accounts;
  const filtered = Object.keys(state.filters).some((name) => name !== "sort");
  const matching = page.matching ?? page.total;
  accountList.replaceChildren(...rows.map(accountRow));
  for (const row of rows) {
    if (row.owner) {
      state.owners.add(row.owner);
    }
  }
  ownerDatalist();

  byId("run").textContent = `Run ${page.run_id}, as of ${page.as_of}, ${page.total} accounts`;
  const range = `${page.offset + 1}–${page.offset + rows.length}`;
  if (!rows.length) {
    accountsStatus.textContent = filtered
      ? "No accounts match these filters."
      : "No accounts on this page.";
  } else if (filtered) {
    accountsStatus.textContent = `Accounts ${range} of ${matching} matching the filters`;
  } else {
    accountsStatus.textContent = `Accounts ${range} of ${matching}`;
  }
  const pages = Math.max(1, Math.ceil(matching / PAGE_SIZE));
  byId("previous-page").disabled = page.offset === 0;
  byId("next-page").disabled = page.offset + rows.length >= matching;
  byId("page-number").textContent = `Page ${Math.floor(page.offset / PAGE_SIZE) + 1} of ${pages}`;
}

let accountsRequests = 0;

async function loadAccounts() {
  if (!storedKey()) {
    askForKey();
    return;
  }
  accountsStatus.textContent = "Loading accounts…";
  // Only the latest request may fill the list: an earlier one can answer after it.
  const request = ++accountsRequests;
  try {
    const params = { ...state.filters, limit: PAGE_SIZE, offset: state.offset };
    const page = await getJson("/v1/accounts", params);
    if (request !== accountsRequests) {
      return;
    }
    showAccountsPage(page);
  } catch (error) {
    if (request !== accountsRequests) {
      return;
    }
    accountList.replaceChildren();
    accountsStatus.textContent = "";
    if (error instanceof ApiError && error.isKeyProblem) {
      askForKey(keyProblem(error));
      return;
    }
    accountsStatus.textContent = `Could not load accounts: ${error.message}`;
  }
}

function readFilters() {
  const values = Object.fromEntries(new FormData(filters));
  const chosen = {};
  for (const [name, value] of Object.entries(values)) {
    if (value.trim()) {
      chosen[name] = value.trim();
    }
  }
  return chosen;
}

function applyFilters() {
  state.filters = readFilters();
  state.offset = 0;
  loadAccounts();
}

filters.addEventListener("submit", (event) => {
  event.preventDefault();
  applyFilters();
});
filters.addEventListener("change", (event) => {
  if (event.target instanceof HTMLSelectElement) {
    applyFilters();
  }
});
// The reset event fires before the fields are cleared, so the filters are read a tick later.
filters.addEventListener("reset", () => setTimeout(applyFilters));

byId("previous-page").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - PAGE_SIZE);
  loadAccounts();
});
byId("next-page").addEventListener("click", () => {
  state.offset += PAGE_SIZE;
  loadAccounts();
});

// One account

function markSelected() {
  for (const button of accountList.querySelectorAll(".account-row")) {
    if (button.dataset.accountId === state.selected) {
      button.setAttribute("aria-current", "true");
    } else {
      button.removeAttribute("aria-current");
    }
  }
}

async function openAccount(accountId) {
  state.selected = accountId;
  markSelected();
  accountMessage(accountPane, "Loading the account…");
  try {
    const account = await getJson(`/v1/accounts/${encodeURIComponent(accountId)}`);
    if (state.selected === accountId) {
      renderAccount(accountPane, account, ask);
    }
  } catch (error) {
    if (error instanceof ApiError && error.isKeyProblem) {
      accountMessage(accountPane, keyProblem(error), true);
      askForKey(keyProblem(error));
      return;
    }
    accountMessage(accountPane, `Could not load account ${accountId}: ${error.message}`, true);
  }
}

// Chat

function scrollToEnd() {
  conversation.scrollTop = conversation.scrollHeight;
}

function addMessage(role, ...children) {
  byId("chat-hint")?.remove();
  const node = el("div", { class: `message ${role}` }, ...children);
  conversation.append(node);
  scrollToEnd();
  return node;
}

/** Add an empty assistant message for the stream's events to fill. */
function newReply() {
  const text = document.createTextNode("");
  const attachments = el("div", { class: "attachments" });
  const meta = el("p", { class: "meta" });
  const node = addMessage("assistant", el("p", { class: "text" }, text), attachments, meta);
  node.setAttribute("aria-busy", "true");
  return { node, text, attachments, meta, finished: false, failed: false, hasBrief: false };
}

function attach(reply, card) {
  reply.attachments.append(card);
  scrollToEnd();
}

/** Scroll to the end, or to the question before a brief so that the brief's headline shows. */
function scrollAfter(reply) {
  if (reply.hasBrief) {
    (reply.node.previousElementSibling || reply.node).scrollIntoView({ block: "start" });
  } else {
    scrollToEnd();
  }
}

function handleEvent(reply, { event, data }) {
  switch (event) {
    case "start":
      // A reply that began before "New conversation" was pressed must not revive the old one.
      if (reply.generation !== state.generation) {
        break;
      }
      state.conversationId = data.conversation_id;
      chatMode.textContent = data.mode === "llm" ? "Language model" : "Rules";
      break;
    case "delta":
      reply.text.appendData(data.text);
      scrollToEnd();
      break;
    case "brief":
      reply.hasBrief = true;
      attach(reply, briefCard(data));
      break;
    case "accounts":
      attach(reply, accountsCard(data, openAccount));
      break;
    case "account":
      attach(reply, accountCard(data, openAccount));
      break;
    case "done":
      reply.finished = true;
      reply.meta.textContent = `Answered by ${data.generated_by}`;
      break;
    case "error":
      reply.failed = true;
      reply.node.append(el("p", { class: "error", role: "alert" }, data.message));
      break;
    default:
      // Events that this page does not know yet are ignored, so the server can add new ones.
      break;
  }
}

function forgetConversation() {
  state.conversationId = null;
  state.generation += 1;
}

async function send(message, reply) {
  reply.generation = state.generation;
  const request = { message, conversation_id: state.conversationId };
  try {
    await streamChat(request, (event) => handleEvent(reply, event));
  } catch (error) {
    // A conversation ends on the server after a restart, four idle hours or a change of key,
    // so the message starts a new one.
    if (error instanceof ApiError && error.status === 404 && request.conversation_id) {
      forgetConversation();
      reply.generation = state.generation;
      reply.meta.textContent =
        "The earlier conversation has ended on the server, so this starts a new one.";
      await streamChat({ message, conversation_id: null }, (event) => handleEvent(reply, event));
      return;
    }
    throw error;
  }
}

/** Explain why a question got no complete answer. The reply keeps the text it already shows. */
function chatProblem(error) {
  if (error instanceof ConnectionLostError) {
    return "The connection was lost before the answer finished. Ask again.";
  }
  if (error instanceof MalformedEventError) {
    // The parser's details help a developer, not the rep.
    console.warn(error.message);
    return (
      "The server sent an event the page cannot read, so the answer stopped there. Ask again."
    );
  }
  if (error instanceof ApiError && error.isKeyProblem) {
    return keyProblem(error);
  }
  return `The question could not be sent: ${error.message}`;
}

async function ask(message) {
  const text = message.trim();
  if (!text || state.answering) {
    return;
  }
  if (!storedKey()) {
    askForKey();
    return;
  }
  state.answering = true;
  sendButton.disabled = true;
  sendButton.textContent = "Answering…";
  addMessage("user", el("p", { class: "text" }, text));
  const reply = newReply();
  try {
    await send(text, reply);
    if (!reply.finished && !reply.failed) {
      const stopped = "The answer stopped before it finished. Ask again.";
      reply.node.append(el("p", { class: "error", role: "alert" }, stopped));
    }
  } catch (error) {
    const problem = chatProblem(error);
    if (error instanceof ApiError && error.isKeyProblem) {
      askForKey(problem);
    }
    reply.node.append(el("p", { class: "error", role: "alert" }, problem));
  } finally {
    reply.node.removeAttribute("aria-busy");
    state.answering = false;
    sendButton.disabled = false;
    sendButton.textContent = "Send";
    scrollAfter(reply);
  }
}

chatForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const message = messageInput.value;
  if (message.trim() && !state.answering) {
    messageInput.value = "";
    ask(message);
  }
});
messageInput.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    chatForm.requestSubmit();
  }
});
for (const button of document.querySelectorAll(".suggestion")) {
  button.addEventListener("click", () => ask(button.textContent));
}
byId("new-conversation").addEventListener("click", () => {
  forgetConversation();
  chatMode.textContent = "";
  conversation.replaceChildren(el("p", { class: "muted" }, "New conversation."));
  messageInput.focus();
});

loadAccounts();
