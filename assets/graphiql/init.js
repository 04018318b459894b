// Boots GraphiQL for idm. Kept out of index.html so the page works under a
// strict CSP (script-src 'self', no inline script).
(function () {
  'use strict';

  // Full-height layout. Set through the CSSOM (not a <style> block or style
  // attribute) so it is not subject to CSP style-src 'unsafe-inline'.
  var html = document.documentElement;
  var body = document.body;
  html.style.height = '100%';
  body.style.height = '100%';
  body.style.margin = '0';

  var container = document.getElementById('graphiql');
  container.style.height = '100vh';

  var send = GraphiQL.createFetcher({ url: '/graphql' });
  // GraphiQL 3.8 keeps the operation name of a tab's earlier text: replace the example's
  // named operations by an anonymous `{ me { email } }` and it still asks for "Me", which
  // the server must refuse ("Unknown operation"). A name the text does not define is dropped.
  function fetcher(params, options) {
    var name = params && params.operationName;
    if (name && !new RegExp('\\b(query|mutation|subscription)\\s+' + name + '\\b').test(params.query)) {
      params = Object.assign({}, params, { operationName: null });
    }
    return send(params, options);
  }

  // The first tab: what a newcomer runs first. Ctrl-Space completes, the Docs pane
  // (top left) lists every type and field with its description.
  var EXAMPLE = [
    '# Welcome to idm. Paste your token after "Bearer " in the Headers tab below',
    '# (`idm serve --demo` prints one per demo user; `idm token --email ...` makes one).',
    '# Run an operation with the play button or Ctrl-Enter; Ctrl-Space completes.',
    '',
    '# Who am I, and what may I do?',
    'query Me {',
    '  me { email fullName roles { role workspace { title } cluster { fullTitle } } }',
    '}',
    '',
    '# A page of the users I may see, filtered by a piece of name or email.',
    'query Users($search: String) {',
    '  users(portal: IP, first: 20, filter: { nameEmail: $search }) {',
    '    totalCount',
    '    nodes { id email fullName status partner { title } roles { role isActive } }',
    '    pageInfo { hasNextPage endCursor }',
    '  }',
    '}',
    '',
    '# The roles I may give a user (paste an id from the page above).',
    'query Assignable($userId: ID!) {',
    '  assignableRoles(userId: $userId)',
    '}',
    ''
  ].join('\n');

  // GraphiQL keeps tabs, history and favourites in localStorage, and its history entries
  // carry each run's headers (shouldPersistHeaders covers only the tabs). Everything it
  // writes goes through here with every "headers" value emptied, so no token is kept.
  function withoutHeaders(value) {
    if (Array.isArray(value)) {
      return value.map(withoutHeaders);
    }
    if (value && typeof value === 'object') {
      var out = {};
      Object.keys(value).forEach(function (key) {
        out[key] = key === 'headers' ? '' : withoutHeaders(value[key]);
      });
      return out;
    }
    return value;
  }
  var storage = {
    getItem: function (key) { return localStorage.getItem(key); },
    setItem: function (key, value) {
      var kept = value;
      try {
        kept = JSON.stringify(withoutHeaders(JSON.parse(value)));
      } catch (e) {
        kept = value;
      }
      localStorage.setItem(key, kept);
    },
    removeItem: function (key) { localStorage.removeItem(key); },
    clear: function () { localStorage.clear(); },
    get length() { return localStorage.length; }
  };

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      // Show the variables/headers pane; with defaultHeaders set and no
      // variables, GraphiQL opens it on the "Headers" tab.
      defaultEditorToolsVisibility: true,
      // Paste a token after "Bearer " (from `idm serve --demo` or `idm token`). The schema
      // is public: docs and completion work before a token is there.
      defaultHeaders: '{"Authorization": "Bearer "}',
      defaultQuery: EXAMPLE,
      // The token stays in this tab only: persisted headers would keep an admin's bearer
      // token in localStorage.
      shouldPersistHeaders: false,
    })
  );
})();
