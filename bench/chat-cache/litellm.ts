/**
 * The LiteLLM proxy with its Redis cache, for the chat-cache benchmark: a pinned version installed from PyPI into its
 * own virtualenv under the user's cache directory (never inside the repository), started with a generated config.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The LiteLLM release the benchmark compares with (pinned so numbers are comparable between runs; 1.110.x asks for a litellm-proxy package PyPI does not have). */
export const LITELLM_VERSION = "1.80.0";

/** Where the virtualenv lives: `$XDG_CACHE_HOME/sophia-bench` or `~/.cache/sophia-bench`. */
export function litellmVenv(): string {
    return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "sophia-bench", `litellm-${LITELLM_VERSION}`);
}

/**
 * Installs LiteLLM (proxy extras) into its virtualenv unless it is there already. Returns the `litellm` executable,
 * or a reason it is unavailable (no python3, PyPI unreachable, install failed) for the benchmark's skip line.
 */
export function ensureLitellm(): { bin: string } | { skip: string } {
    const venv = litellmVenv();
    const bin = join(venv, "bin", "litellm");
    if (existsSync(bin)) return { bin };
    mkdirSync(join(venv, ".."), { recursive: true });
    const mk = spawnSync("python3", ["-m", "venv", venv], { stdio: "ignore" });
    if (mk.status !== 0) return { skip: "python3 -m venv failed (is python3-venv installed?)" };
    const pip = spawnSync(
        join(venv, "bin", "pip"),
        ["install", "-q", "--disable-pip-version-check", `litellm[proxy]==${LITELLM_VERSION}`, "redis>=5"],
        { stdio: ["ignore", "ignore", "pipe"], timeout: 15 * 60 * 1000 },
    );
    if (pip.status !== 0 || !existsSync(bin)) {
        const err = (pip.stderr?.toString() ?? "").trim().split("\n").pop() ?? "";
        return { skip: `pip install litellm[proxy]==${LITELLM_VERSION} failed (PyPI unreachable?): ${err}` };
    }
    return { bin };
}

/** Starts the LiteLLM proxy (1 worker) in front of the fake upstream, caching in the given Redis. */
export function startLitellm(
    bin: string,
    dir: string,
    port: number,
    upstreamBaseUrl: string,
    redisPort: number,
): ChildProcess {
    const config = join(dir, "litellm.yaml");
    writeFileSync(
        config,
        `model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${upstreamBaseUrl}
      api_key: sk-fake
litellm_settings:
  cache: true
  cache_params:
    type: redis
    host: 127.0.0.1
    port: ${redisPort}
    ttl: 600
`,
    );
    return spawn(bin, ["--config", config, "--port", String(port), "--host", "127.0.0.1", "--num_workers", "1"], {
        cwd: dir,
        env: {
            ...process.env,
            // No network beyond loopback: use the bundled model cost map, no telemetry.
            LITELLM_LOCAL_MODEL_COST_MAP: "True",
            LITELLM_TELEMETRY: "False",
            LITELLM_LOG: "ERROR",
        },
        stdio: ["ignore", "ignore", "pipe"],
    });
}
