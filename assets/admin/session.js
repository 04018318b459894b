// The signed-in token lives in sessionStorage: it survives a reload of the tab, not the tab.
// Never in localStorage, never in the URL.
const KEY = 'idm.console.token';
// With an OpenID provider: its ID token, for signing out there.
const ID_TOKEN = 'idm.console.idToken';
const listeners = new Set();
let endedBecause = null;

export const session = {
  token() {
    try {
      return sessionStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  },
  start(token, { idToken } = {}) {
    endedBecause = null;
    sessionStorage.setItem(KEY, token.trim());
    if (idToken) sessionStorage.setItem(ID_TOKEN, idToken);
    listeners.forEach((f) => f());
  },
  idToken() {
    return sessionStorage.getItem(ID_TOKEN);
  },
  // Ends the session; `reason` is shown on the sign-in screen.
  end(reason = null) {
    const had = this.token();
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ID_TOKEN);
    if (had) endedBecause = reason;
    listeners.forEach((f) => f());
  },
  endedBecause() {
    return endedBecause;
  },
  subscribe(f) {
    listeners.add(f);
    return () => listeners.delete(f);
  },
};
