// Requests to the nextbest API: the key, JSON routes and the chat's server-sent events.

const KEY_ITEM = "nextbest.apiKey";

export function storedKey() {
  return sessionStorage.getItem(KEY_ITEM) || "";
}

export function storeKey(key) {
  sessionStorage.setItem(KEY_ITEM, key.trim());
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_ITEM);
}

/** A response that was not 2xx, with the server's `detail` as the message. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
  }

  /** True when a different API key would help: missing, invalid or too narrow. */
  get isKeyProblem() {
    return this.status === 401 || this.status === 403;
  }
}

/** The chat's response had started, but the connection broke before the stream ended. */
export class ConnectionLostError extends Error {
  constructor(cause) {
    super(`the connection was lost while the answer was arriving: ${cause.message}`, { cause });
    this.name = "ConnectionLostError";
  }
}

/** An event in the chat's stream whose data is not valid JSON. */
export class MalformedEventError extends Error {
  constructor(eventName, data, cause) {
    super(`the data of event "${eventName}" is not valid JSON (${cause.message}): ${data}`, {
      cause,
    });
    this.name = "MalformedEventError";
  }
}

function detailText(detail) {
  if (typeof detail === "string") {
    return detail;
  }
  if (Array.isArray(detail)) {
    // FastAPI's validation errors: [{loc: [...], msg: "..."}].
    return detail.map((item) => `${(item.loc || []).slice(1).join(".")}: ${item.msg}`).join("; ");
  }
  return JSON.stringify(detail);
}

async function raiseForStatus(response) {
  if (response.ok) {
    return;
  }
  let detail = response.statusText || "request failed";
  try {
    const body = await response.json();
    if (body && body.detail !== undefined) {
      detail = detailText(body.detail);
    }
  } catch {
    // A body that is not JSON keeps the status text.
  }
  throw new ApiError(response.status, detail);
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${storedKey()}`, Accept: "application/json", ...extra };
}

/** GET a JSON route; parameters that are empty strings or null are left out. */
export async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) {
      query.set(name, String(value));
    }
  }
  const search = query.toString();
  const url = search ? `${path}?${search}` : path;
  const response = await fetch(url, { headers: headers() });
  await raiseForStatus(response);
  return response.json();
}

/**
 * Create an incremental parser of a text/event-stream body, as the HTML standard defines it.
 *
 * `push` accepts text in chunks of any size, even ones that split a line or a CRLF, and calls
 * `onEvent({event, data})` for each complete event, with `data` parsed as JSON. It throws
 * MalformedEventError for an event whose data is not JSON.
 */
export function eventStreamParser(onEvent) {
  let buffer = "";
  let eventName = "";
  let dataLines = [];

  function dispatch() {
    const name = eventName || "message";
    const text = dataLines.join("\n");
    const complete = dataLines.length > 0;
    eventName = "";
    dataLines = [];
    if (!complete) {
      return;
    }
    let data;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new MalformedEventError(name, text, error);
    }
    onEvent({ event: name, data });
  }

  function takeLine(line) {
    if (line === "") {
      dispatch();
      return;
    }
    if (line.startsWith(":")) {
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) {
      value = value.slice(1);
    }
    if (field === "event") {
      eventName = value;
    } else if (field === "data") {
      dataLines.push(value);
    }
  }

  return {
    push(text) {
      buffer += text;
      // A CR at the very end may be the first half of a CRLF, so it waits for the next chunk.
      const lineEnd = /\r\n|\n|\r(?!$)/g;
      let start = 0;
      let match;
      while ((match = lineEnd.exec(buffer)) !== null) {
        takeLine(buffer.slice(start, match.index));
        start = lineEnd.lastIndex;
      }
      buffer = buffer.slice(start);
    },
    end() {
      if (buffer) {
        takeLine(buffer.replace(/\r$/, ""));
        buffer = "";
      }
      // An event without its closing blank line is incomplete and is dropped, as in EventSource.
    },
  };
}

/**
 * POST a chat message and call `onEvent` for each server-sent event of the reply.
 *
 * EventSource cannot send an Authorization header, so the stream is read from fetch's body.
 * Errors: fetch's own TypeError when no response arrived, ApiError for a status that is not 2xx,
 * ConnectionLostError when the body broke off after it started, and MalformedEventError.
 */
export async function streamChat(request, onEvent, signal) {
  const response = await fetch("/v1/chat", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify(request),
    signal,
  });
  await raiseForStatus(response);

  const parser = eventStreamParser(onEvent);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        // NOTE: Chromium 150 drops the body bytes that a TCP reset follows at once, so the
        // events in them never reach the page. Events read before the reset stay shown.
        throw error.name === "AbortError" ? error : new ConnectionLostError(error);
      }
      if (chunk.done) {
        break;
      }
      parser.push(chunk.value);
    }
    parser.end();
  } catch (error) {
    // Close the connection when the page stops reading early. A stream that already failed
    // rejects the cancel, which adds nothing to the error being raised.
    reader.cancel().catch(() => {});
    throw error;
  }
}
