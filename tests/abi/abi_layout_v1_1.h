/*
 * The fields plugin ABI 1.1 appended, pinned like abi_layout_v1_0.h: every offset below
 * holds for every later 1.x header. This file never changes.
 */
#ifndef SLUICE_TESTS_ABI_LAYOUT_V1_1_H
#define SLUICE_TESTS_ABI_LAYOUT_V1_1_H

#include "abi_layout_v1_0.h"

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
SLUICE_STATIC_ASSERT(SLUICE_ABI_VERSION_MINOR >= 1, "this file pins ABI 1.1");
SLUICE_PIN_SIZE(sluice_guard_decision, 48)
SLUICE_PIN(sluice_guard_decision, struct_size, 0)
SLUICE_PIN(sluice_guard_decision, stage, 4)
SLUICE_PIN(sluice_guard_decision, action, 8)
SLUICE_PIN(sluice_guard_decision, reserved0, 12)
SLUICE_PIN(sluice_guard_decision, guardrail, 16)
SLUICE_PIN(sluice_guard_decision, reason, 32)
SLUICE_PIN_SIZE(sluice_guard_completion, 96)
SLUICE_PIN(sluice_guard_completion, decisions, 80)
SLUICE_PIN(sluice_guard_completion, n_decisions, 88)
#endif /* LP64 */

#endif /* SLUICE_TESTS_ABI_LAYOUT_V1_1_H */
