#pragma once

#include "core/http/connection.h"
