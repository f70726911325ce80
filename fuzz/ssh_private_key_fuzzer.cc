// libFuzzer harness: the input is an ssh_key_path file, inspected as validate-config does
// (InspectSshPrivateKey: the armour label, PEM headers, the openssh-key-v1 binary header).
// docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "installer/ssh_private_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const flightcheck::Result<flightcheck::SshPrivateKeyInfo> info =
      flightcheck::InspectSshPrivateKey(text);
  if (info) {
    (void)info->cipher.size();
  } else {
    (void)info.error().message();
  }
  return 0;
}
