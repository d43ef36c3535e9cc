/* Minimal C ABI over ALE's C++ ALEInterface (ale-py 0.12.x sources).
 * All functions are safe to call from Swift via a module map / bridging
 * header. Errors: functions returning int return <0 on failure, and
 * ale_c_last_error() returns a thread-local message. */
#ifndef ALE_C_H
#define ALE_C_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct ale_c ale_c;   /* opaque */

#define ALE_C_SCREEN_H 210
#define ALE_C_SCREEN_W 160

/* Create an emulator. seed -> setInt("random_seed"), repeat_action_probability
 * -> setFloat("repeat_action_probability"), frame_skip fixed to 1.
 * Returns NULL on failure. */
ale_c *ale_c_create(int seed, float repeat_action_probability);
void   ale_c_destroy(ale_c *a);
/* setInt / setFloat / setBool passthroughs; must be called before load_rom. */
int    ale_c_set_int(ale_c *a, const char *key, int value);
int    ale_c_set_float(ale_c *a, const char *key, float value);
int    ale_c_set_bool(ale_c *a, const char *key, int value);
/* loadROM (also resets the game). 0 on success. */
int    ale_c_load_rom(ale_c *a, const char *path);
void   ale_c_reset(ale_c *a);
/* act(action) -> reward of that (single, frameskip=1) frame. */
int    ale_c_act(ale_c *a, int action);
int    ale_c_game_over(ale_c *a);          /* 1 if game over (incl. truncation) */
int    ale_c_game_terminal(ale_c *a);      /* game_over(with_truncation=false) */
int    ale_c_game_truncated(ale_c *a);     /* max_num_frames_per_episode hit */
int    ale_c_lives(ale_c *a);
int    ale_c_frame_number(ale_c *a);
int    ale_c_episode_frame_number(ale_c *a);
/* Grayscale screen (210*160 bytes, row-major) into buf; returns bytes written
 * or -1 if buf_len is too small. */
int    ale_c_get_screen_grayscale(ale_c *a, uint8_t *buf, int buf_len);
/* RGB screen (210*160*3 bytes). */
int    ale_c_get_screen_rgb(ale_c *a, uint8_t *buf, int buf_len);
/* Minimal action set: writes up to cap action ids to out, returns the total
 * count (call with cap=0 to size). Legal set likewise. */
int    ale_c_minimal_action_set(ale_c *a, int *out, int cap);
int    ale_c_legal_action_set(ale_c *a, int *out, int cap);
/* The whole emulator state, sticky-action memory and random generator included, as bytes:
 * returns the size (call with cap=0 to size it) or -1. Restoring it into an emulator of the same
 * ROM and settings makes it continue exactly as the saved one would. */
int    ale_c_clone_state(ale_c *a, uint8_t *buf, int cap);
int    ale_c_restore_state(ale_c *a, const uint8_t *buf, int len);
/* Shim ABI version, bumped when a function is added or changed. */
int    ale_c_version(void);
const char *ale_c_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
