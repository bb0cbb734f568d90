// Talking to the incidex API: one fetch helper that sends the reviewer's token and turns the
// API's error shape {"error": {"status", "code", "message"}} into an exception with that message.

const TOKEN_KEY = "incidex.token";

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// api("incidents", {params: {country: "SO"}}) or api("incidents/x", {method: "PATCH", body: {...}})
export async function api(path, { method = "GET", params = null, body = undefined } = {}) {
  // Relative to the page, so the app also works behind a proxy under a path prefix.
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  const headers = { Accept: "application/json" };
  const token = getToken();
  // Sent on reads too: a server run with reads closed needs it everywhere.
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let resp;
  try {
    resp = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, `the server did not answer (${err.message}); is incidex serve still running?`);
  }
  const data = await resp.json().catch(() => null);
  if (!resp.ok) {
    const message = data && data.error && data.error.message;
    let text = message || `${method} ${url.pathname} failed: HTTP ${resp.status}`;
    if (resp.status === 401 && !token) text += " (enter a token at the top of the page)";
    throw new ApiError(resp.status, text);
  }
  return data;
}
