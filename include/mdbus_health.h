/* SPDX-License-Identifier: MIT */
/* mdbus_health.h: health region API (watchdog issue). Placeholder. */
#ifndef MDBUS_HEALTH_H
#define MDBUS_HEALTH_H
#endif
