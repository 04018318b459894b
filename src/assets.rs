//! GraphiQL's files, vendored by `scripts/vendor-graphiql.sh` and compiled into the binary so
//! the playground works with no internet.

/// The playground page.
pub const INDEX_HTML: &str = include_str!("../assets/graphiql/index.html");

/// A vendored file by name, with its content type.
pub fn file(name: &str) -> Option<(&'static str, &'static [u8])> {
    Some(match name {
        "graphiql.min.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/graphiql/graphiql.min.js").as_slice(),
        ),
        "graphiql.min.css" => (
            "text/css; charset=utf-8",
            include_bytes!("../assets/graphiql/graphiql.min.css").as_slice(),
        ),
        "react.production.min.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/graphiql/react.production.min.js").as_slice(),
        ),
        "react-dom.production.min.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/graphiql/react-dom.production.min.js").as_slice(),
        ),
        "init.js" => (
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/graphiql/init.js").as_slice(),
        ),
        "index.html" => ("text/html; charset=utf-8", INDEX_HTML.as_bytes()),
        _ => return None,
    })
}
