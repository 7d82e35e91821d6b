//! The CLI's error: what failed, what to do, Box's request id, and the exit
//! code (documented in the crate docs and `boxctl --help`).

use std::fmt;

use box_core::Error;

/// Exit codes.
pub mod code {
    /// Success.
    pub const OK: u8 = 0;
    /// Any failure not listed below.
    pub const FAILURE: u8 = 1;
    /// Bad usage: a flag, an argument, a path of the wrong kind.
    pub const USAGE: u8 = 2;
    /// The item (or profile) does not exist.
    pub const NOT_FOUND: u8 = 3;
    /// A name is taken, or the item changed meanwhile.
    pub const CONFLICT: u8 = 4;
    /// Not signed in, or the credentials were refused.
    pub const AUTH: u8 = 5;
}

/// A failed command.
#[derive(Debug)]
pub struct CliError {
    /// The process exit code.
    pub code: u8,
    /// What failed.
    pub message: String,
    /// What to do about it, when there is something to say.
    pub hint: Option<String>,
    /// Box's request id, when the server sent one.
    pub request_id: Option<String>,
}

/// The CLI's result type.
pub type CliResult<T> = std::result::Result<T, CliError>;

impl CliError {
    /// A failure with exit code 1.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::with_code(code::FAILURE, message)
    }

    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::with_code(code::USAGE, message)
    }

    /// An error with an explicit exit code.
    pub fn with_code(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
            request_id: None,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Prefixes the message with what was being done.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    /// The error as a JSON document (for `--json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "exit_code": self.code,
                "message": self.message,
                "hint": self.hint,
                "request_id": self.request_id,
            }
        })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(id) = self
            .request_id
            .as_ref()
            .filter(|id| !self.message.contains(id.as_str()))
        {
            write!(f, " (Box request id {id})")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        let (code, hint) = match &e {
            Error::NotFound { .. } => (code::NOT_FOUND, None),
            Error::Conflict { .. } => (
                code::CONFLICT,
                Some("choose another name, or pass --on-conflict where the command has it"),
            ),
            Error::PreconditionFailed { .. } => (
                code::CONFLICT,
                Some("the item changed meanwhile; run the command again"),
            ),
            Error::Unauthenticated { .. } => (
                code::AUTH,
                Some("sign in again with `boxctl login` (or check the profile's credentials)"),
            ),
            Error::PermissionDenied { .. } => (
                code::AUTH,
                Some("the signed-in user may not do this; check `boxctl whoami`"),
            ),
            Error::InvalidInput { .. } => (code::USAGE, None),
            Error::Unsupported { .. } => (
                code::FAILURE,
                Some("this profile's API cannot do this; a v2 profile (or the embedded one) can"),
            ),
            Error::RateLimited { .. } => {
                (code::FAILURE, Some("Box is rate limiting; wait and retry"))
            }
            Error::Transport { .. } => (
                code::FAILURE,
                Some("check the network and the profile's API URL"),
            ),
            _ => (code::FAILURE, None),
        };
        let request_id = e.request_id().map(str::to_owned);
        CliError {
            code,
            message: e.to_string(),
            hint: hint.map(str::to_owned),
            request_id,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::failure(e.to_string())
    }
}
