// The signed-in requester: `me`, and the portals whose users the API lets it list.
import { createContext, useContext } from './lib.js';

export const ViewerContext = createContext(null);

export function useViewer() {
  return useContext(ViewerContext);
}

// For labels and shortcuts only: the API decides every action.
export function holds(me, ...roles) {
  return (me?.roles || []).some((r) => r.isActive && roles.includes(r.role));
}
