use box_core::Timestamp;
use serde::{Deserialize, Serialize};

/// The answer to a preflight check (`UploadUrl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PreflightCheck {
    /// Where to upload.
    #[serde(default)]
    pub upload_url: Option<String>,
    /// Token for that URL.
    #[serde(default)]
    pub upload_token: Option<String>,
}

/// The URLs of an upload session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadSessionEndpoints {
    /// PUT parts here.
    pub upload_part: String,
    /// POST the commit here.
    pub commit: String,
    /// DELETE to abort.
    pub abort: String,
    /// GET the uploaded parts.
    pub list_parts: String,
    /// GET the session.
    pub status: String,
    /// Log events.
    #[serde(default)]
    pub log_event: Option<String>,
}

/// A chunked upload session (`UploadSession`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadSession {
    /// The session's id.
    pub id: String,
    /// The date and time when this session expires.
    #[serde(default)]
    pub session_expires_at: Option<Timestamp>,
    /// The part size the server chose: every part but the last must be this size.
    pub part_size: u64,
    /// The total number of parts expected in this upload session, as determined by the file
    /// size and part size.
    pub total_parts: u64,
    /// The number of parts that have been uploaded and processed by the server. This starts at
    /// `0`.
    #[serde(default)]
    pub num_parts_processed: Option<u64>,
    /// The session's URLs.
    pub session_endpoints: UploadSessionEndpoints,
}

/// A part of an upload session (`UploadPart`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadPart {
    /// The part's id.
    pub part_id: String,
    /// The offset of the chunk within the file in bytes. The lower bound of the position of the
    /// chunk within the file.
    pub offset: u64,
    /// The size of the chunk in bytes.
    pub size: u64,
    /// SHA-1 of the part, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
}

/// The answer to a part upload (`UploadedPart`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadedPart {
    /// The part.
    pub part: UploadPart,
}
