//! `[environment.registry]`: the registry that holds an environment's model versions, and
//! which kind it is: MLflow (versions behind an alias) or the Kubeflow Model Registry
//! (versions behind InferenceService records).

use serde::Deserialize;

use super::file::FileEndpoint;

/// Which API the environment's registry speaks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RegistryKind {
    /// MLflow 3.x: the live version is the one `[governance] alias` points at.
    #[default]
    Mlflow,
    /// The Kubeflow Model Registry (REST API v1alpha3): the live version is the one the
    /// model's InferenceService record names; a rollback re-points that record.
    Kubeflow {
        /// The ServingEnvironment whose InferenceService records count; `None`: all of them.
        serving_environment: Option<String>,
    },
}

impl RegistryKind {
    pub fn name(&self) -> &'static str {
        match self {
            RegistryKind::Mlflow => "mlflow",
            RegistryKind::Kubeflow { .. } => "kubeflow",
        }
    }
}

/// The registry table as written: an endpoint plus `kind` and the Kubeflow keys.
#[derive(Debug, Default)]
pub struct FileRegistry {
    pub endpoint: FileEndpoint,
    pub kind: Option<String>,
    pub serving_environment: Option<String>,
}

// Written by hand: `FileEndpoint` rejects unknown keys, which `#[serde(flatten)]` cannot
// combine with; the registry's own keys are taken out first and the rest is the endpoint.
impl<'de> Deserialize<'de> for FileRegistry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut table = toml::Table::deserialize(d)?;
        let mut take = |key: &str| match table.remove(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(D::Error::custom(format!("`{key}` must be a string, not a {}", other.type_str()))),
        };
        let kind = take("kind")?;
        let serving_environment = take("serving_environment")?;
        let endpoint = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| {
            // The endpoint's list of keys, with the registry's own.
            D::Error::custom(e.message().replace("expected one of ", "expected one of `kind`, `serving_environment`, "))
        })?;
        Ok(FileRegistry { endpoint, kind, serving_environment })
    }
}

/// The kind a registry table names; errors carry the key they are about.
pub(super) fn kind(raw: &FileRegistry) -> Result<RegistryKind, (&'static str, String)> {
    let serving_environment = match &raw.serving_environment {
        Some(s) if s.trim().is_empty() => {
            return Err(("serving_environment", "`serving_environment` must not be empty".into()));
        }
        other => other.clone(),
    };
    match raw.kind.as_deref().unwrap_or("mlflow") {
        "mlflow" if serving_environment.is_some() => {
            Err(("serving_environment", "`serving_environment` applies to kind = \"kubeflow\" only".into()))
        }
        "mlflow" => Ok(RegistryKind::Mlflow),
        "kubeflow" => Ok(RegistryKind::Kubeflow { serving_environment }),
        other => Err(("kind", format!("unknown registry kind `{other}`, expected mlflow or kubeflow"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RegistryKind, String> {
        let raw: FileRegistry = toml::from_str(text).map_err(|e| e.message().to_string())?;
        kind(&raw).map_err(|(_, m)| m)
    }

    #[test]
    fn kinds_and_their_keys() {
        assert_eq!(parse("url = \"http://r\""), Ok(RegistryKind::Mlflow));
        assert_eq!(
            parse("url = \"http://r\"\nkind = \"kubeflow\"\nserving_environment = \"prod\""),
            Ok(RegistryKind::Kubeflow { serving_environment: Some("prod".into()) })
        );
        assert_eq!(
            parse("url = \"http://r\"\nkind = \"kubeflow\""),
            Ok(RegistryKind::Kubeflow { serving_environment: None })
        );
        assert!(parse("url = \"http://r\"\nkind = \"sagemaker\"").unwrap_err().contains("unknown registry kind"));
        assert!(parse("url = \"http://r\"\nserving_environment = \"p\"").unwrap_err().contains("kubeflow"));
        assert!(parse("url = \"http://r\"\nkind = 3").unwrap_err().contains("must be a string"));
        assert!(parse("url = \"http://r\"\nbogus = 1").unwrap_err().contains("bogus"));
    }
}
