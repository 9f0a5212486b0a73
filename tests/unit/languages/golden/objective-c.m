// A golden case for the language registry.
/* A block comment */
#import <Foundation/Foundation.h>
NSString *greet(NSString *name) { return name; }
