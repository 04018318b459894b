// The signed-in token lives in sessionStorage: it survives a reload of the tab, not the tab.
// Never in localStorage, never in the URL.
const KEY = 'idm.console.token';
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
  start(token) {
    endedBecause = null;
    sessionStorage.setItem(KEY, token.trim());
    listeners.forEach((f) => f());
  },
  // Ends the session; `reason` is shown on the sign-in screen.
  end(reason = null) {
    const had = this.token();
    sessionStorage.removeItem(KEY);
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
