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

  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });

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

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
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
