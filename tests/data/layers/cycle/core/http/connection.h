#pragma once

#include "core/auth/token.h"
