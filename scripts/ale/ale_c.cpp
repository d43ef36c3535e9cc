#include "ale_c.h"
#include <cstring>
#include <exception>
#include <string>
#include <vector>
#include "ale/ale_interface.hpp"
#include "ale/environment/stella_environment.hpp"

// ALE's saved state (ALEState) leaves out what sticky actions repeat: the last action and paddle
// strength of each player, private members of StellaEnvironment. Without them a restored emulator
// repeats NOOP where the saved one would repeat its last action. An explicit template
// instantiation may name private members (C++ [temp.spec]), which gives the shim pointers to them.
namespace {
template <typename Tag, typename Tag::type Member>
struct expose { friend typename Tag::type member(Tag) { return Member; } };
struct a_action { using type = ale::Action ale::StellaEnvironment::*; friend type member(a_action); };
struct b_action { using type = ale::Action ale::StellaEnvironment::*; friend type member(b_action); };
struct a_strength { using type = float ale::StellaEnvironment::*; friend type member(a_strength); };
struct b_strength { using type = float ale::StellaEnvironment::*; friend type member(b_strength); };
}
template struct expose<a_action, &ale::StellaEnvironment::m_player_a_action>;
template struct expose<b_action, &ale::StellaEnvironment::m_player_b_action>;
template struct expose<a_strength, &ale::StellaEnvironment::m_paddle_a_strength>;
template struct expose<b_strength, &ale::StellaEnvironment::m_paddle_b_strength>;

struct ale_c {
  ale::ALEInterface ale;
  std::vector<unsigned char> tmp;
};

static thread_local std::string g_err;
#define GUARD(ret, ...)                                    \
  try { __VA_ARGS__ } catch (const std::exception &e) {           \
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

int ale_c_version(void) { return 2; }

namespace {
struct sticky_memory {   // what ALEState omits, appended after it
  int32_t a_action, b_action;
  float a_strength, b_strength;
};
}

int ale_c_clone_state(ale_c *a, uint8_t *buf, int cap) {
  GUARD(-1, {
    std::string s = a->ale.cloneState(true).serialize();
    const ale::StellaEnvironment *env = a->ale.environment.get();
    sticky_memory m{(int32_t)(env->*member(a_action{})), (int32_t)(env->*member(b_action{})),
                    env->*member(a_strength{}), env->*member(b_strength{})};
    int n = (int)(s.size() + sizeof m);
    if (cap == 0) return n;
    if (cap < n) { g_err = "buffer too small"; return -1; }
    std::memcpy(buf, s.data(), s.size());
    std::memcpy(buf + s.size(), &m, sizeof m);
    return n;
  })
}

int ale_c_restore_state(ale_c *a, const uint8_t *buf, int len) {
  GUARD(-1, {
    if (len < (int)sizeof(sticky_memory)) { g_err = "state too short"; return -1; }
    sticky_memory m;
    std::memcpy(&m, buf + len - sizeof m, sizeof m);
    ale::ALEState state(std::string((const char *)buf, len - sizeof m));
    a->ale.restoreState(state);
    ale::StellaEnvironment *env = a->ale.environment.get();
    env->*member(a_action{}) = (ale::Action)m.a_action;
    env->*member(b_action{}) = (ale::Action)m.b_action;
    env->*member(a_strength{}) = m.a_strength;
    env->*member(b_strength{}) = m.b_strength;
    return 0;
  })
}

static int copy_actions(const ale::ActionVect &v, int *out, int cap) {
  for (int i = 0; i < (int)v.size() && i < cap; i++) out[i] = (int)v[i];
  return (int)v.size();
}
int ale_c_minimal_action_set(ale_c *a, int *out, int cap) { return copy_actions(a->ale.getMinimalActionSet(), out, cap); }
int ale_c_legal_action_set(ale_c *a, int *out, int cap) { return copy_actions(a->ale.getLegalActionSet(), out, cap); }

}  // extern "C"
