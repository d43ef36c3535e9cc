// MuJoCo's C API (Debian's libmujoco-dev installs the headers under mujoco/; there is no pkg-config file).
#ifndef STACKELBERG_CMUJOCO_SHIM_H
#define STACKELBERG_CMUJOCO_SHIM_H
#include <mujoco/mujoco.h>

/* MuJoCo reports through two global function pointers. Swift 6 refuses to assign a C global (shared
   mutable state), so the assignment happens here, once, from a lazily initialized Swift global. */
static inline void stackelberg_mujoco_set_handlers(void (*warning)(const char*), void (*error)(const char*)) {
    mju_user_warning = warning;
    mju_user_error = error;
}
#endif
