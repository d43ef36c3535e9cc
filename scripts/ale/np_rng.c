#include "np_rng.h"

#define INIT_A 0x43b0d7e5u
#define MULT_A 0x931e8875u
#define INIT_B 0x8b51f9ddu
#define MULT_B 0x58f38dedu
#define MIX_MULT_L 0xca01f9ddu
#define MIX_MULT_R 0x4973f715u
#define POOL 4

static uint32_t hashmix(uint32_t v, uint32_t *hc) {
  v ^= *hc; *hc *= MULT_A; v *= *hc; v ^= v >> 16; return v;
}
static uint32_t mix(uint32_t x, uint32_t y) {
  uint32_t r = MIX_MULT_L * x - MIX_MULT_R * y; r ^= r >> 16; return r;
}

void np_seedseq_generate_state(uint64_t entropy, uint32_t *out, int n_words) {
  uint32_t ent[2]; int ne = 0;          /* int -> little-endian uint32 words; 0 -> [0] */
  ent[ne++] = (uint32_t)entropy;
  if (entropy >> 32) ent[ne++] = (uint32_t)(entropy >> 32);
  uint32_t pool[POOL], hc = INIT_A;
  for (int i = 0; i < POOL; i++) pool[i] = hashmix(i < ne ? ent[i] : 0u, &hc);
  for (int s = 0; s < POOL; s++)
    for (int d = 0; d < POOL; d++)
      if (s != d) pool[d] = mix(pool[d], hashmix(pool[s], &hc));
  for (int s = POOL; s < ne; s++)
    for (int d = 0; d < POOL; d++) pool[d] = mix(pool[d], hashmix(ent[s], &hc));
  uint32_t hb = INIT_B;
  for (int i = 0; i < n_words; i++) {
    uint32_t v = pool[i % POOL];
    v ^= hb; hb *= MULT_B; v *= hb; v ^= v >> 16;
    out[i] = v;
  }
}

#define PCG_MULT (((unsigned __int128)2549297995355413924ULL << 64) | 4865540595714422341ULL)

static void step(np_pcg64 *g) { g->state = g->state * PCG_MULT + g->inc; }

void np_pcg64_seed(np_pcg64 *g, uint64_t entropy) {
  uint32_t w[8]; uint64_t v[4];
  np_seedseq_generate_state(entropy, w, 8);
  for (int i = 0; i < 4; i++) v[i] = (uint64_t)w[2 * i] | ((uint64_t)w[2 * i + 1] << 32);
  unsigned __int128 s = ((unsigned __int128)v[0] << 64) | v[1];
  unsigned __int128 q = ((unsigned __int128)v[2] << 64) | v[3];
  g->state = 0; g->inc = (q << 1) | 1; step(g); g->state += s; step(g);
  g->has_u32 = 0; g->u32 = 0;
}

uint64_t np_pcg64_next64(np_pcg64 *g) {
  step(g);
  uint64_t x = (uint64_t)(g->state >> 64) ^ (uint64_t)g->state;
  unsigned rot = (unsigned)(g->state >> 122);
  return (x >> rot) | (x << ((-rot) & 63));
}

uint32_t np_pcg64_next32(np_pcg64 *g) {
  if (g->has_u32) { g->has_u32 = 0; return g->u32; }
  uint64_t n = np_pcg64_next64(g);
  g->has_u32 = 1; g->u32 = (uint32_t)(n >> 32);
  return (uint32_t)n;
}

int64_t np_integers(np_pcg64 *g, int64_t low, int64_t high) {
  uint64_t rng = (uint64_t)(high - 1 - low);          /* closed range width */
  if (rng == 0) return low;
  uint32_t excl = (uint32_t)rng + 1;
  uint64_t m = (uint64_t)np_pcg64_next32(g) * excl;
  uint32_t left = (uint32_t)m;
  if (left < excl) {
    uint32_t thr = (UINT32_MAX - (uint32_t)rng) % excl;
    while (left < thr) { m = (uint64_t)np_pcg64_next32(g) * excl; left = (uint32_t)m; }
  }
  return low + (int64_t)(m >> 32);
}
