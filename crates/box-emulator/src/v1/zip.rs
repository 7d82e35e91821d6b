//! A one-entry ZIP archive (DEFLATE), the form v1 sends zipped trees in.

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::Compression;

/// Zips `data` as a single entry named `name`.
pub fn zip_one(name: &str, data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(data)?;
    let compressed = enc.finish()?;
    let crc = crc32fast::hash(data);
    let size = u32::try_from(data.len()).map_err(std::io::Error::other)?;
    let csize = u32::try_from(compressed.len()).map_err(std::io::Error::other)?;
    let name_len = u16::try_from(name.len()).map_err(std::io::Error::other)?;
    let mut out = Vec::with_capacity(compressed.len() + 128);
    // Local file header.
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&8u16.to_le_bytes()); // deflate
    out.extend_from_slice(&0u16.to_le_bytes()); // mod time
    out.extend_from_slice(&0x21u16.to_le_bytes()); // mod date (1980-01-01)
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&csize.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // extra length
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&compressed);
    let central_offset = u32::try_from(out.len()).map_err(std::io::Error::other)?;
    // Central directory header.
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes()); // made by
    out.extend_from_slice(&20u16.to_le_bytes()); // needed
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0x21u16.to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&csize.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // extra
    out.extend_from_slice(&0u16.to_le_bytes()); // comment
    out.extend_from_slice(&0u16.to_le_bytes()); // disk
    out.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
    out.extend_from_slice(&0u32.to_le_bytes()); // external attrs
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(name.as_bytes());
    let central_size = u32::try_from(out.len()).map_err(std::io::Error::other)? - central_offset;
    // End of central directory.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

/// A payload element as v1 sends it: `<element>` holding the XML
/// `document` (without prolog) inline when `nozip`, else base64 text of a
/// ZIP archive with one entry `<element>.xml` holding the document.
pub fn payload(element: &str, document: &str, nozip: bool) -> std::io::Result<String> {
    use base64::Engine;
    if nozip {
        return Ok(format!("<{element}>{document}</{element}>"));
    }
    let doc = format!("<?xml version=\"1.0\" ?>{document}");
    let z = zip_one(&format!("{element}.xml"), doc.as_bytes())?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(z);
    Ok(format!("<{element}>{b64}</{element}>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn entry_inflates_back() {
        let data = b"<folder id=\"0\"/>".repeat(50);
        let z = zip_one("tree.xml", &data).unwrap();
        assert_eq!(&z[..4], b"PK\x03\x04");
        let csize = u32::from_le_bytes(z[18..22].try_into().unwrap()) as usize;
        let start = 30 + "tree.xml".len();
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&z[start..start + csize])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data);
        assert_eq!(
            u32::from_le_bytes(z[14..18].try_into().unwrap()),
            crc32fast::hash(&data)
        );
    }
}
