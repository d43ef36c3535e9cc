/* Run N frames of BeamRider through the C shim; print checksum + reward.
 * usage: test_ale ROM [seed] [steps] [perframe_out.txt] [frames_out.bin] */
#include "ale_c.h"
#include <stdio.h>
#include <stdlib.h>

static uint64_t fnv1a(uint64_t h, const uint8_t *p, int n) {
  for (int i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ULL; }
  return h;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s ROM [seed] [steps] [perframe.txt] [frames.bin]\n", argv[0]); return 2; }
  int seed = argc > 2 ? atoi(argv[2]) : 123;
  int steps = argc > 3 ? atoi(argv[3]) : 1000;
  FILE *pf = argc > 4 ? fopen(argv[4], "w") : NULL;
  FILE *fb = argc > 5 ? fopen(argv[5], "wb") : NULL;

  ale_c *a = ale_c_create(seed, 0.25f);
  if (!a) { fprintf(stderr, "create: %s\n", ale_c_last_error()); return 1; }
  if (ale_c_load_rom(a, argv[1]) != 0) { fprintf(stderr, "load: %s\n", ale_c_last_error()); return 1; }

  int acts[32]; int na = ale_c_minimal_action_set(a, acts, 32);
  printf("minimal actions (%d):", na);
  for (int i = 0; i < na; i++) printf(" %d", acts[i]);
  printf("\nlives=%d\n", ale_c_lives(a));

  static uint8_t scr[ALE_C_SCREEN_H * ALE_C_SCREEN_W];
  uint64_t h = 1469598103934665603ULL;
  long total = 0; int resets = 0;
  for (int t = 0; t < steps; t++) {
    /* fixed action sequence: blocks of 8 frames, index from a tiny LCG */
    int idx = (int)(((unsigned)(t / 8) * 1103515245u + 12345u) >> 16) % na;
    int r = ale_c_act(a, acts[idx]);
    total += r;
    ale_c_get_screen_grayscale(a, scr, sizeof scr);
    uint64_t fh = fnv1a(1469598103934665603ULL, scr, sizeof scr);
    h = fnv1a(h, scr, sizeof scr);
    if (pf) fprintf(pf, "%d %d %d %d %016llx\n", t, acts[idx], r, ale_c_lives(a), (unsigned long long)fh);
    if (fb) fwrite(scr, 1, sizeof scr, fb);
    if (ale_c_game_over(a)) { ale_c_reset(a); resets++; }
  }
  printf("steps=%d seed=%d total_reward=%ld resets=%d frame=%d checksum=%016llx\n",
         steps, seed, total, resets, ale_c_frame_number(a), (unsigned long long)h);
  if (pf) fclose(pf);
  if (fb) fclose(fb);
  ale_c_destroy(a);
  return 0;
}
