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

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      // Show the variables/headers pane; with defaultHeaders set and no
      // variables, GraphiQL opens it on the "Headers" tab.
      defaultEditorToolsVisibility: true,
      defaultHeaders:
        '{\n  "Authorization": "Bearer <paste a token from `idm serve --demo` or `idm token`>"\n}',
      // The token stays in this tab only: persisted headers would keep an admin's bearer
      // token in localStorage.
      shouldPersistHeaders: false,
    })
  );
})();
