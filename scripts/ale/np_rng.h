/* Bit-exact port of the pieces of numpy's RNG that gymnasium/ale_py use:
 * SeedSequence(entropy).generate_state, PCG64 (incl. its buffered 32-bit
 * half), and Generator.integers(low, high) for small ranges (Lemire). */
#ifndef NP_RNG_H
#define NP_RNG_H
#include <stdint.h>
/* SeedSequence(entropy) with entropy < 2**64, pool_size 4, no spawn key. */
void np_seedseq_generate_state(uint64_t entropy, uint32_t *out, int n_words);
typedef struct { unsigned __int128 state, inc; int has_u32; uint32_t u32; } np_pcg64;
void     np_pcg64_seed(np_pcg64 *g, uint64_t entropy);  /* == np.random.PCG64(entropy) */
uint64_t np_pcg64_next64(np_pcg64 *g);
uint32_t np_pcg64_next32(np_pcg64 *g);
/* Generator.integers(low, high) (high exclusive, int64 dtype), high-low-1 < 2**32-1 */
int64_t  np_integers(np_pcg64 *g, int64_t low, int64_t high);
#endif
