/*
 * Runs the named steps of a compatibility program and reports each on stdout
 * as one line, "PASS <step>" or "FAIL <step>: <reason>" (the reason on one
 * line; the stack trace goes to stderr). A failing step does not stop the
 * program: later steps run and fail or pass on their own, so one run shows
 * every call that works and every one that does not. The exit status is 1 if
 * any step failed. tests/compat/test_server_java_go.py reads these lines.
 */
package larch.compat;

public final class Steps {
	private int failed;

	/* A step body: any exception or AssertionError fails the step. */
	public interface Body {
		void run() throws Exception;
	}

	/* Runs body as step `name`; returns whether it passed. */
	public boolean run(String name, Body body) {
		try {
			body.run();
			System.out.println("PASS " + name);
			System.out.flush();
			return true;
		} catch (Throwable t) {
			failed++;
			String why = t.getClass().getSimpleName() + ": " + t.getMessage();
			for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause())
				why += " / caused by " + c.getClass().getSimpleName() + ": " + c.getMessage();
			System.out.println("FAIL " + name + ": " + why.replace('\n', ' '));
			System.out.flush();
			System.err.println("--- step " + name + " failed:");
			t.printStackTrace();
			return false;
		}
	}

	/* The exit status: 0 if every step passed. */
	public int exitCode() {
		return failed == 0 ? 0 : 1;
	}
}
