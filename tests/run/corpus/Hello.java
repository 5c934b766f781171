// A clean Java program: a file written and read back, then closed.
import java.nio.file.Files;
import java.nio.file.Path;

public class Hello {
	public static void main(String[] args) throws Exception {
		Path p = Files.createTempFile("fdaudit-java-", ".txt");
		Files.writeString(p, "hello");
		System.out.println(Files.readString(p));
		Files.delete(p);
	}
}
