#include "ale_c.h"
#include "ale/ale_interface.hpp"
#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct ale_c {
  ale::ALEInterface ale;
  std::vector<unsigned char> tmp;
};

static thread_local std::string g_err;
#define GUARD(ret, body)                                   \
  try { body } catch (const std::exception &e) {           \
    g_err = e.what(); return ret;                          \
  } catch (...) { g_err = "unknown C++ exception"; return ret; }

extern "C" {

const char *ale_c_last_error(void) { return g_err.c_str(); }

ale_c *ale_c_create(int seed, float rap) {
  GUARD(nullptr, {
    ale::Logger::setMode(ale::Logger::Error);
    ale_c *a = new ale_c();
    a->ale.setInt("random_seed", seed);
    a->ale.setFloat("repeat_action_probability", rap);
    a->ale.setInt("frame_skip", 1);
    return a;
  })
}

void ale_c_destroy(ale_c *a) { delete a; }

int ale_c_set_int(ale_c *a, const char *k, int v) { GUARD(-1, { a->ale.setInt(k, v); return 0; }) }
int ale_c_set_float(ale_c *a, const char *k, float v) { GUARD(-1, { a->ale.setFloat(k, v); return 0; }) }
int ale_c_set_bool(ale_c *a, const char *k, int v) { GUARD(-1, { a->ale.setBool(k, v != 0); return 0; }) }

int ale_c_load_rom(ale_c *a, const char *path) {
  GUARD(-1, { a->ale.loadROM(path); return 0; })
}

void ale_c_reset(ale_c *a) { try { a->ale.reset_game(); } catch (...) {} }

int ale_c_act(ale_c *a, int action) {
  GUARD(0, { return (int)a->ale.act((ale::Action)action); })
}

int ale_c_game_over(ale_c *a) { return a->ale.game_over() ? 1 : 0; }
int ale_c_game_terminal(ale_c *a) { return a->ale.game_over(false) ? 1 : 0; }
int ale_c_game_truncated(ale_c *a) { return a->ale.game_truncated() ? 1 : 0; }
int ale_c_lives(ale_c *a) { return a->ale.lives(); }
int ale_c_frame_number(ale_c *a) { return a->ale.getFrameNumber(); }
int ale_c_episode_frame_number(ale_c *a) { return a->ale.getEpisodeFrameNumber(); }

int ale_c_get_screen_grayscale(ale_c *a, uint8_t *buf, int len) {
  const ale::ALEScreen &s = a->ale.getScreen();
  int n = (int)(s.height() * s.width());
  if (len < n) { g_err = "buffer too small"; return -1; }
  a->tmp.resize(n);
  a->ale.getScreenGrayscale(a->tmp);
  std::memcpy(buf, a->tmp.data(), n);
  return n;
}

int ale_c_get_screen_rgb(ale_c *a, uint8_t *buf, int len) {
  const ale::ALEScreen &s = a->ale.getScreen();
  int n = (int)(s.height() * s.width() * 3);
  if (len < n) { g_err = "buffer too small"; return -1; }
  a->tmp.resize(n);
  a->ale.getScreenRGB(a->tmp);
  std::memcpy(buf, a->tmp.data(), n);
  return n;
}

static int copy_actions(const ale::ActionVect &v, int *out, int cap) {
  for (int i = 0; i < (int)v.size() && i < cap; i++) out[i] = (int)v[i];
  return (int)v.size();
}
int ale_c_minimal_action_set(ale_c *a, int *out, int cap) { return copy_actions(a->ale.getMinimalActionSet(), out, cap); }
int ale_c_legal_action_set(ale_c *a, int *out, int cap) { return copy_actions(a->ale.getLegalActionSet(), out, cap); }

}  // extern "C"
