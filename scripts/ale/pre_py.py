"""Reference: gymnasium AtariPreprocessing over ALE/BeamRider-v5 with the same
fixed action schedule as pre_c.c; writes obs.bin + log.txt in the same format."""
import sys, numpy as np, gymnasium as gym, ale_py
gym.register_envs(ale_py)
seed, steps, fo, fl = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
import os
env = gym.make("ALE/BeamRider-v5", frameskip=1, repeat_action_probability=0.25,
               max_num_frames_per_episode=int(os.environ.get("MAXF", 108000)))
env = gym.wrappers.AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84, grayscale_obs=True)
ale = env.unwrapped.ale
obs_all, log = [], []
def noops_since_reset():   # episode frame number right after reset == number of noop frames
    return ale.getEpisodeFrameNumber()
obs, info = env.reset(seed=seed); ep, ret = 0, 0
print("info seeds:", info.get("seeds"))
log.append(f"reset ep={ep} noops={noops_since_reset()}"); obs_all.append(obs)
na = env.action_space.n
for t in range(steps):
    a = (((t * 1103515245 + 12345) & 0xFFFFFFFF) >> 16) % na
    if (t // 50) % 3 == 0: a = 1
    obs, r, term, trunc, info = env.step(a); ret += int(r)
    done = int(term or trunc)
    log.append(f"step {t} a={a} r={int(r)} done={done} lives={info['lives']}"); obs_all.append(obs)
    if done:
        obs, info = env.reset(); ep += 1
        log.append(f"reset ep={ep} noops={noops_since_reset()} return={ret}"); ret = 0
        obs_all.append(obs)
np.stack(obs_all).tofile(fo)
open(fl, "w").write("\n".join(log) + "\n")
print(f"seed={seed} steps={steps} episodes_finished={ep}")
