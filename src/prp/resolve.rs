//! The operator's decisions for what the migration rules refuse (`--resolve FILE`).
