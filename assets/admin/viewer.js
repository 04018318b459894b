// The signed-in requester as every screen sees it: `me` with its roles, and the portals whose
// users list the API lets it read (asked of the API, not derived here).
import { createContext, useContext } from './lib.js';

export const ViewerContext = createContext(null);

export function useViewer() {
  return useContext(ViewerContext);
}

// True when the requester holds one of these role types, active. For labels and shortcuts
// only; the API decides every action.
export function holds(me, ...roles) {
  return (me?.roles || []).some((r) => r.isActive && roles.includes(r.role));
}
