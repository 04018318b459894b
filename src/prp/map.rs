//! The mapping from the old portal's rows to an import document.
