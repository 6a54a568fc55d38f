//! Why a request was refused: by the API server, with Kubernetes' reason
//! (`metav1.StatusReason`, k8s.io/apimachinery/pkg/apis/meta/v1/types.go, and the messages
//! of k8s.io/apimachinery/pkg/api/errors/errors.go `NewNotFound`, `NewAlreadyExists`,
//! `NewInvalid`, `NewConflict`), or by kubectl before it asked (an `error: ...` line).
//! Each prints exactly what kubectl prints, which is what the events and the timeline's
//! warnings carry.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// `Error from server (NotFound): deployments.apps "web" not found`; `resource` is the
    /// `deployments.apps "web"` part.
    NotFound { resource: String },
    /// `Error from server (AlreadyExists): deployments.apps "web" already exists`.
    AlreadyExists { resource: String },
    /// `The Deployment "web" is invalid: spec.selector: Invalid value: field is immutable`:
    /// the kind, the object's name and the field errors.
    Invalid { kind: &'static str, name: String, causes: String },
    /// `Operation cannot be fulfilled on ...`: an update lost a race (kubesim's writes never
    /// race, so nothing makes one yet; here so that the reasons are complete).
    Conflict { message: String },
    /// An admission plugin refused: `Error from server (Forbidden): pods "web-x" is
    /// forbidden: exceeded quota: ...`; `message` is the Status message (from `pods`).
    Forbidden { message: String },
    /// kubectl refused before sending anything: `error: ...` (the message after `error: `).
    Kubectl { message: String },
}

impl ApiError {
    pub fn not_found(resource: impl Into<String>) -> Self {
        ApiError::NotFound { resource: resource.into() }
    }

    pub fn already_exists(resource: impl Into<String>) -> Self {
        ApiError::AlreadyExists { resource: resource.into() }
    }

    pub fn invalid(kind: &'static str, name: impl Into<String>, causes: impl Into<String>) -> Self {
        ApiError::Invalid { kind, name: name.into(), causes: causes.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden { message: message.into() }
    }

    /// The Status message a client's error carries (what a controller's `Error creating: %v`
    /// event prints): the text after kubectl's `Error from server (Reason): `.
    pub fn status_message(&self) -> String {
        match self {
            ApiError::Forbidden { message } => message.clone(),
            ApiError::NotFound { resource } => format!("{resource} not found"),
            ApiError::AlreadyExists { resource } => format!("{resource} already exists"),
            ApiError::Invalid { .. } | ApiError::Conflict { .. } | ApiError::Kubectl { .. } => self.to_string(),
        }
    }

    pub fn kubectl(message: impl Into<String>) -> Self {
        ApiError::Kubectl { message: message.into() }
    }

    /// The reason, as `kubectl get events` and the API's Status show it (`None` for kubectl's own errors).
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            ApiError::NotFound { .. } => Some("NotFound"),
            ApiError::AlreadyExists { .. } => Some("AlreadyExists"),
            ApiError::Invalid { .. } => Some("Invalid"),
            ApiError::Conflict { .. } => Some("Conflict"),
            ApiError::Forbidden { .. } => Some("Forbidden"),
            ApiError::Kubectl { .. } => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::NotFound { resource } => write!(f, "Error from server (NotFound): {resource} not found"),
            ApiError::AlreadyExists { resource } => {
                write!(f, "Error from server (AlreadyExists): {resource} already exists")
            }
            ApiError::Invalid { kind, name, causes } => write!(f, "The {kind} \"{name}\" is invalid: {causes}"),
            ApiError::Conflict { message } => write!(f, "Error from server (Conflict): {message}"),
            ApiError::Forbidden { message } => write!(f, "Error from server (Forbidden): {message}"),
            ApiError::Kubectl { message } => write!(f, "error: {message}"),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_prints_as_kubectl_prints_it() {
        let cases = [
            (
                ApiError::not_found("deployments.apps \"web\""),
                "Error from server (NotFound): deployments.apps \"web\" not found",
            ),
            (ApiError::already_exists("pods \"p\""), "Error from server (AlreadyExists): pods \"p\" already exists"),
            (
                ApiError::invalid("Job", "pi", "spec.completions: Invalid value: field is immutable"),
                "The Job \"pi\" is invalid: spec.completions: Invalid value: field is immutable",
            ),
            (ApiError::kubectl("deployment \"web\" is already paused"), "error: deployment \"web\" is already paused"),
        ];
        for (error, printed) in cases {
            assert_eq!(error.to_string(), printed);
        }
        assert_eq!(ApiError::not_found("x").reason(), Some("NotFound"));
        assert_eq!(ApiError::kubectl("x").reason(), None);
    }
}
