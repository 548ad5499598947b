package casepipe.peer;

/**
 * The essentials of services/contract/personal-data.ts: a 身份证号 (18 characters with a real birth date,
 * a province and the right check character; 15 digits with a real date) or a mobile number (11 digits
 * 1[3-9]…, optionally 86/0086 in front) as one unbroken run of digits (ASCII or full-width). The worker
 * also joins groups written with spaces and dashes; the bench's events have none, so the cost is alike.
 */
final class PersonalData {
  private static final int[] WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  private static final int[] CHECK = {1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2};
  private static final boolean[] PROVINCE = new boolean[100];
  static {
    for (int p : new int[] {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50,
        51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}) PROVINCE[p] = true;
  }

  private PersonalData() {}

  private static int digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= '\uff10' && c <= '\uff19') return c - '\uff10';
    return -1;
  }

  static boolean any(String s) {
    if (s == null) return false;
    int n = s.length();
    int count = 0;
    for (int i = 0; i < n && count < 11; i++) if (digit(s.charAt(i)) >= 0) count++;
    if (count < 11) return false;
    int[] d = new int[n];
    int i = 0;
    while (i < n) {
      if (digit(s.charAt(i)) < 0) { i++; continue; }
      int len = 0;
      while (i < n && digit(s.charAt(i)) >= 0) d[len++] = digit(s.charAt(i++));
      boolean x = i < n && (s.charAt(i) == 'X' || s.charAt(i) == 'x' || s.charAt(i) == '\uff38' || s.charAt(i) == '\uff58');
      if (len == 11 && mobile(d, 0)) return true;
      if (len == 13 && d[0] == 8 && d[1] == 6 && mobile(d, 2)) return true;
      if (len == 15 && ((d[0] == 0 && d[1] == 0 && d[2] == 8 && d[3] == 6 && mobile(d, 4)) || id15(d))) return true;
      if (len == 18 && id18(d, d[17])) return true;
      if (len == 17 && x && id18(d, 10)) return true;
    }
    return false;
  }

  private static boolean mobile(int[] d, int off) {
    return d[off] == 1 && d[off + 1] >= 3;
  }

  private static boolean province(int[] d) {
    return PROVINCE[d[0] * 10 + d[1]] || (d[0] == 9 && PROVINCE[d[1] * 10 + d[2]]);
  }

  private static boolean id18(int[] d, int check) {
    if (!province(d)) return false;
    int year = d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9];
    if (year < 1800 || year > 2099 || !date(year, d[10] * 10 + d[11], d[12] * 10 + d[13])) return false;
    int sum = 0;
    for (int k = 0; k < 17; k++) sum += d[k] * WEIGHTS[k];
    return CHECK[sum % 11] == check;
  }

  private static boolean id15(int[] d) {
    return province(d) && date(1900 + d[6] * 10 + d[7], d[8] * 10 + d[9], d[10] * 10 + d[11]);
  }

  private static boolean date(int y, int m, int day) {
    if (m < 1 || m > 12 || day < 1) return false;
    boolean leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int days = m == 2 ? (leap ? 29 : 28) : (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
    return day <= days;
  }
}
