// The one door to the vendored libraries: Preact, its hooks and htm's `html` tag.
import { h, render, createContext } from './vendor/preact.module.js';
import {
  useState, useEffect, useCallback, useRef, useContext,
} from './vendor/hooks.module.js';
import htm from './vendor/htm.module.js';

export const html = htm.bind(h);
export {
  render, createContext, useState, useEffect, useCallback, useRef, useContext,
};
