/* version.h - the one place the toolkit's version lives. */
#ifndef HAR_VERSION_H
#define HAR_VERSION_H
#define HAR_VERSION "0.1.0"
#endif
