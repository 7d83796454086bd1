//! Which burn backend runs the models. The browser side reports what WebGPU adapter it found;
//! this decides, so the rule is in one tested place. Software adapters (SwiftShader, lavapipe,
//! llvmpipe, WARP) measured 30–40× slower than the CPU backend on the same machine, so "auto"
//! never picks them; the visitor can still ask for WebGPU explicitly.

use serde::{Deserialize, Serialize};

/// What the page asked for: `?backend=auto|webgpu|cpu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requested {
    Auto,
    Webgpu,
    Cpu,
}

impl Requested {
    pub fn parse(value: &str) -> Self {
        match value {
            "webgpu" => Self::Webgpu,
            "cpu" => Self::Cpu,
            _ => Self::Auto,
        }
    }
}

pub const UNNAMED_ADAPTER: &str = "unnamed adapter";

/// Facts about the WebGPU adapter, as `GPUAdapter.info` gives them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AdapterFacts {
    pub vendor: String,
    pub architecture: String,
    pub device: String,
    pub description: String,
    pub is_fallback_adapter: bool,
}

impl AdapterFacts {
    /// A readable adapter name from whichever fields the browser filled in.
    pub fn name(&self) -> String {
        let parts: Vec<&str> = [&self.description, &self.vendor, &self.architecture, &self.device]
            .into_iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            UNNAMED_ADAPTER.into()
        } else {
            parts.join(" ")
        }
    }

    pub fn is_software(&self) -> bool {
        const SOFTWARE: [&str; 5] = ["swiftshader", "lavapipe", "llvmpipe", "software", "warp"];
        let name = self.name().to_lowercase();
        self.is_fallback_adapter || SOFTWARE.iter().any(|s| name.contains(s))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Webgpu,
    Cpu,
}

/// The decision and, when the visitor should know why, a short note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub backend: Backend,
    pub note: Option<String>,
}

pub fn choose(requested: Requested, adapter: Option<&AdapterFacts>) -> Choice {
    let cpu = |note: Option<String>| Choice { backend: Backend::Cpu, note };
    match (requested, adapter) {
        (Requested::Cpu, _) => cpu(None),
        (_, None) => cpu(Some("This browser offers no WebGPU, so the models run on the CPU backend.".into())),
        (Requested::Webgpu, Some(facts)) => Choice {
            backend: Backend::Webgpu,
            note: facts.is_software().then(|| {
                format!("WebGPU here is a software renderer ({}): expect it to be far slower than the CPU backend.", facts.name())
            }),
        },
        (Requested::Auto, Some(facts)) if facts.is_software() => cpu(Some(format!(
            "WebGPU here is a software renderer ({}), slower than the CPU backend, so the CPU runs the models. Choose WebGPU to try it anyway.",
            facts.name()
        ))),
        (Requested::Auto, Some(_)) => Choice { backend: Backend::Webgpu, note: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(description: &str, fallback: bool) -> AdapterFacts {
        AdapterFacts { description: description.into(), is_fallback_adapter: fallback, ..Default::default() }
    }

    #[test]
    fn auto_prefers_a_hardware_gpu_and_skips_software_ones() {
        assert_eq!(choose(Requested::Auto, Some(&adapter("NVIDIA H100", false))).backend, Backend::Webgpu);
        let swiftshader = choose(Requested::Auto, Some(&adapter("SwiftShader Device (Subzero)", false)));
        assert_eq!(swiftshader.backend, Backend::Cpu);
        assert!(swiftshader.note.unwrap().contains("SwiftShader"));
        assert_eq!(choose(Requested::Auto, Some(&adapter("", true))).backend, Backend::Cpu);
        assert_eq!(
            choose(Requested::Auto, Some(&adapter("llvmpipe (LLVM 15.0.6, 256 bits)", false))).backend,
            Backend::Cpu
        );
    }

    #[test]
    fn the_visitor_can_override_and_no_webgpu_means_cpu_with_a_note() {
        let forced = choose(Requested::Webgpu, Some(&adapter("lavapipe", true)));
        assert_eq!(forced.backend, Backend::Webgpu);
        assert!(forced.note.unwrap().contains("slower"));
        assert_eq!(choose(Requested::Webgpu, Some(&adapter("NVIDIA H100", false))).note, None);
        assert_eq!(
            choose(Requested::Cpu, Some(&adapter("NVIDIA", false))),
            Choice { backend: Backend::Cpu, note: None }
        );
        let none = choose(Requested::Webgpu, None);
        assert_eq!(none.backend, Backend::Cpu);
        assert!(none.note.is_some());
        assert_eq!(Requested::parse("bogus"), Requested::Auto);
    }
}
