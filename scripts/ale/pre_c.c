/* Re-implementation, on the C shim, of
 *   env = gymnasium.make('ALE/BeamRider-v5', frameskip=1, repeat_action_probability=0.25)
 *   env = AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84, grayscale_obs=True)
 *   env.reset(seed=SEED); then step(fixed actions), env.reset() (no seed) after each episode end.
 * usage: pre_c ROM SEED AGENT_STEPS obs_out.bin log_out.txt */
#include "ale_c.h"
#include "area_resize.h"
#include "np_rng.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H ALE_C_SCREEN_H
#define W ALE_C_SCREEN_W
#define S 84
#define NOOP_MAX 30
#define SKIP 4

typedef struct {
  ale_c *ale; np_pcg64 rng; int acts[32]; int na;
  uint8_t buf0[H * W], buf1[H * W];
} env_t;

static void get_obs(env_t *e, uint8_t *obs) {
  for (int i = 0; i < H * W; i++) if (e->buf1[i] > e->buf0[i]) e->buf0[i] = e->buf1[i]; /* in place, like np.maximum(out=buf0) */
  area_resize_u8(e->buf0, H, W, obs, S, S);
}

static int ended(env_t *e) { return ale_c_game_terminal(e->ale) || ale_c_game_truncated(e->ale); }

static int env_reset(env_t *e, uint8_t *obs) {   /* AtariPreprocessing.reset(seed=None) */
  ale_c_reset(e->ale);
  int noops = (int)np_integers(&e->rng, 1, NOOP_MAX + 1);
  for (int i = 0; i < noops; i++) {
    ale_c_act(e->ale, e->acts[0]);               /* env.step(0): action_set[0] == NOOP */
    if (ended(e)) ale_c_reset(e->ale);
  }
  ale_c_get_screen_grayscale(e->ale, e->buf0, H * W);
  memset(e->buf1, 0, sizeof e->buf1);
  get_obs(e, obs);
  return noops;
}

static int env_step(env_t *e, int a, uint8_t *obs, int *done) {
  int total = 0; *done = 0;
  for (int t = 0; t < SKIP; t++) {
    total += ale_c_act(e->ale, e->acts[a]);
    if (ended(e)) { *done = 1; break; }
    if (t == SKIP - 2) ale_c_get_screen_grayscale(e->ale, e->buf1, H * W);
    else if (t == SKIP - 1) ale_c_get_screen_grayscale(e->ale, e->buf0, H * W);
  }
  get_obs(e, obs);
  return total;
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: %s ROM SEED STEPS obs.bin log.txt\n", argv[0]); return 2; }
  uint64_t seed = strtoull(argv[2], 0, 10); int steps = atoi(argv[3]);
  FILE *fo = fopen(argv[4], "wb"), *fl = fopen(argv[5], "w");
  /* AtariEnv.seed_game(seed): SeedSequence(seed).generate_state(2) -> np_seed, ale_seed */
  uint32_t st[2]; np_seedseq_generate_state(seed, st, 2);
  env_t *e = calloc(1, sizeof *e);
  np_pcg64_seed(&e->rng, st[0]);                          /* seeding.np_random(np_seed) */
  e->ale = ale_c_create((int32_t)st[1], 0.25f);           /* setInt("random_seed", np.int32(ale_seed)) */
  ale_c_set_int(e->ale, "max_num_frames_per_episode", getenv("MAXF") ? atoi(getenv("MAXF")) : 108000);  /* v5 default */
  if (ale_c_load_rom(e->ale, argv[1])) { fprintf(stderr, "%s\n", ale_c_last_error()); return 1; }
  e->na = ale_c_minimal_action_set(e->ale, e->acts, 32);
  uint8_t obs[S * S]; int done, ep = 0; long ret = 0;
  int noops = env_reset(e, obs);
  fprintf(fl, "reset ep=%d noops=%d\n", ep, noops); fwrite(obs, 1, sizeof obs, fo);
  for (int t = 0; t < steps; t++) {
    int a = (int)((((unsigned)t * 1103515245u + 12345u) >> 16) % (unsigned)e->na);
    if ((t / 50) % 3 == 0) a = 1;  /* stretches of FIRE so episodes progress */
    int r = env_step(e, a, obs, &done); ret += r;
    fprintf(fl, "step %d a=%d r=%d done=%d lives=%d\n", t, a, r, done, ale_c_lives(e->ale));
    fwrite(obs, 1, sizeof obs, fo);
    if (done) {
      noops = env_reset(e, obs); ep++;
      fprintf(fl, "reset ep=%d noops=%d return=%ld\n", ep, noops, ret); ret = 0;
      fwrite(obs, 1, sizeof obs, fo);
    }
  }
  fclose(fo); fclose(fl);
  printf("seed=%llu steps=%d episodes_finished=%d np_seed=%u ale_seed=%d\n",
         (unsigned long long)seed, steps, ep, st[0], (int32_t)st[1]);
  return 0;
}
