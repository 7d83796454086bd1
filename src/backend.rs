//! Which burn backend runs the models. The browser side reports what WebGPU adapter it found;
//! this decides, so the rule is in one tested place. "auto" times a hardware adapter against the
//! CPU backend and keeps the faster. Software adapters (SwiftShader, lavapipe, llvmpipe, WARP)
//! measured 26–115× slower than the CPU backend here (README), so they are not even timed (that
//! would cost seconds of shader compilation); the visitor can still ask for WebGPU explicitly.

use crate::message::Message;
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

/// A backend and, when the visitor should know why, a short note (worded by the page).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub backend: Backend,
    pub note: Option<Message>,
}

/// What to do before any model runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Run(Choice),
    /// A hardware adapter: time it against the CPU backend, then [`pick_faster`].
    Measure,
}

pub fn choose(requested: Requested, adapter: Option<&AdapterFacts>) -> Plan {
    let run = |backend, note: Option<Message>| Plan::Run(Choice { backend, note });
    match (requested, adapter) {
        (Requested::Cpu, _) => run(Backend::Cpu, None),
        (_, None) => run(Backend::Cpu, Some(Message::new("backend.no-webgpu"))),
        (Requested::Webgpu, Some(facts)) => run(
            Backend::Webgpu,
            facts
                .is_software()
                .then(|| Message::new("backend.software-chosen").text("adapter", facts.name())),
        ),
        (Requested::Auto, Some(facts)) if facts.is_software() => {
            run(Backend::Cpu, Some(Message::new("backend.software-skipped").text("adapter", facts.name())))
        }
        (Requested::Auto, Some(_)) => Plan::Measure,
    }
}

/// Median times of the page's two kinds of work on one backend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Speed {
    /// One drawn digit through the auto-encoder, read back.
    pub draw_ms: f64,
    /// One training step at the page's batch size, loss read back.
    pub train_step_ms: f64,
}

/// A drawing answered within this time feels immediate (one 60 Hz frame).
const INSTANT_MS: f64 = 16.7;

/// WebGPU when it trains faster and still answers a drawing within a frame (or no slower than
/// the CPU does); otherwise the CPU, with a note saying what was measured.
pub fn pick_faster(cpu: Speed, gpu: Speed, adapter: &str) -> Choice {
    if gpu.train_step_ms < cpu.train_step_ms && gpu.draw_ms <= INSTANT_MS.max(cpu.draw_ms) {
        Choice {
            backend: Backend::Webgpu,
            note: Some(
                Message::new("backend.gpu-faster")
                    .text("adapter", adapter)
                    .number("ratio", cpu.train_step_ms / gpu.train_step_ms, 1)
                    .number("gpuStep", gpu.train_step_ms, 1)
                    .number("cpuStep", cpu.train_step_ms, 1)
                    .number("gpuDraw", gpu.draw_ms, 1),
            ),
        }
    } else {
        Choice {
            backend: Backend::Cpu,
            note: Some(
                Message::new("backend.cpu-faster")
                    .text("adapter", adapter)
                    .number("cpuStep", cpu.train_step_ms, 1)
                    .number("gpuStep", gpu.train_step_ms, 1)
                    .number("cpuDraw", cpu.draw_ms, 1)
                    .number("gpuDraw", gpu.draw_ms, 1),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The backend a plan settles on without measuring, if any.
    fn settled(plan: Plan) -> Option<Backend> {
        match plan {
            Plan::Run(choice) => Some(choice.backend),
            Plan::Measure => None,
        }
    }

    fn adapter(description: &str, fallback: bool) -> AdapterFacts {
        AdapterFacts { description: description.into(), is_fallback_adapter: fallback, ..Default::default() }
    }

    #[test]
    fn auto_times_a_hardware_gpu_and_skips_software_ones() {
        assert_eq!(choose(Requested::Auto, Some(&adapter("NVIDIA H100", false))), Plan::Measure);
        let swiftshader = choose(Requested::Auto, Some(&adapter("SwiftShader Device (Subzero)", false)));
        let Plan::Run(choice) = swiftshader else { panic!("software adapters are not timed") };
        assert_eq!(choice.backend, Backend::Cpu);
        assert!(choice.note.unwrap().english().contains("SwiftShader"));
        assert_eq!(settled(choose(Requested::Auto, Some(&adapter("", true)))), Some(Backend::Cpu));
        assert_eq!(
            settled(choose(Requested::Auto, Some(&adapter("llvmpipe (LLVM 15.0.6, 256 bits)", false)))),
            Some(Backend::Cpu)
        );
    }

    #[test]
    fn the_visitor_can_override_and_no_webgpu_means_cpu_with_a_note() {
        let Plan::Run(forced) = choose(Requested::Webgpu, Some(&adapter("lavapipe", true))) else { panic!() };
        assert_eq!(forced.backend, Backend::Webgpu);
        assert!(forced.note.unwrap().english().contains("slower"));
        assert_eq!(
            choose(Requested::Webgpu, Some(&adapter("NVIDIA H100", false))),
            Plan::Run(Choice { backend: Backend::Webgpu, note: None })
        );
        assert_eq!(
            choose(Requested::Cpu, Some(&adapter("NVIDIA", false))),
            Plan::Run(Choice { backend: Backend::Cpu, note: None })
        );
        let Plan::Run(none) = choose(Requested::Webgpu, None) else { panic!() };
        assert_eq!(none.backend, Backend::Cpu);
        assert!(none.note.is_some());
        assert_eq!(Requested::parse("bogus"), Requested::Auto);
    }

    #[test]
    fn measured_speeds_pick_the_faster_trainer_that_still_draws_instantly() {
        let speed = |draw_ms, train_step_ms| Speed { draw_ms, train_step_ms };
        let cpu = speed(2.6, 28.6);
        let fast = pick_faster(cpu, speed(3.0, 2.0), "gpu");
        assert_eq!(fast.backend, Backend::Webgpu);
        assert!(fast.note.unwrap().english().contains("14.3× faster"));
        assert_eq!(pick_faster(cpu, speed(12.0, 2.0), "gpu").backend, Backend::Webgpu, "within a frame");
        let laggy = pick_faster(cpu, speed(40.0, 2.0), "gpu");
        assert_eq!(laggy.backend, Backend::Cpu, "drawing would lag");
        assert!(laggy.note.unwrap().english().contains("40.0 ms"));
        assert_eq!(pick_faster(cpu, speed(1.0, 30.0), "gpu").backend, Backend::Cpu, "trains slower");
    }
}
