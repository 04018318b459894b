//! The operator's decisions (stand-in until the mapping lands).

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Resolutions {}

pub fn parse(_text: &str) -> Result<Resolutions, String> {
    Ok(Resolutions {})
}
