#include "machine.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace bench {

namespace fs = std::filesystem;

std::string sh(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  return "unknown";
}

std::string utcNow() {
  char date[64];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return date;
}

std::string machineLines(const std::string& anyPathInRepo, const std::string& workDir) {
  utsname u{};
  ::uname(&u);
  std::string disk = sh("df -hT " + workDir + " | tail -1 | awk '{print $1\" (\"$2\", \"$3\")\"}'");
  std::string rota = sh("lsblk -dno NAME,ROTA,MODEL 2>/dev/null | head -3 | tr '\\n' ';'");
  std::string commit = sh("git -C " + fs::path(anyPathInRepo).parent_path().string() + " rev-parse --short HEAD 2>/dev/null");
  std::ostringstream md;
  md << "- commit: " << (commit.empty() ? "unknown" : commit) << "\n";
  md << "- CPU: " << cpuModel() << ", nproc " << std::thread::hardware_concurrency() << "\n";
  md << "- kernel: " << u.sysname << " " << u.release << " " << u.machine << "\n";
  md << "- disk (databases and JSON files): " << disk << "; block devices (name rotational model): " << rota << "\n";
  return md.str();
}

std::string loadAverages() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double busyCpuSeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + irq + softirq) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double selfCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double processCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (stat.empty()) return NAN;
  // Fields after the command (in parentheses, which may hold spaces): utime is the 12th, stime the 13th.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 1; i <= 13 && fields >> field; ++i)
    if (i >= 12) ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

namespace {
std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}
}  // namespace

std::string readPart(const std::string& path, DocumentPart which) {
  std::string doc = readAll(path);
  auto begin = doc.find(which.begin);
  auto end = doc.find(which.end, begin == std::string::npos ? 0 : begin);
  if (begin == std::string::npos || end == std::string::npos) return "";
  return doc.substr(begin, end + std::string(which.end).size() - begin) + "\n";
}

void writePart(const std::string& path, DocumentPart which, const std::string& text) {
  std::string doc = readAll(path);
  auto begin = doc.find(which.begin);
  auto end = doc.find(which.end, begin == std::string::npos ? 0 : begin);
  if (begin != std::string::npos && end != std::string::npos) {
    end += std::string(which.end).size();
    if (end < doc.size() && doc[end] == '\n') ++end;
    doc.replace(begin, end - begin, text);
  } else {
    if (doc.empty()) doc = "# Benchmarks\n\n";
    else if (!doc.ends_with("\n\n")) doc += doc.ends_with("\n") ? "\n" : "\n\n";
    doc += text;
  }
  if (auto dir = fs::path(path).parent_path(); !dir.empty()) fs::create_directories(dir);
  std::ofstream(path) << doc;
}

}  // namespace bench
