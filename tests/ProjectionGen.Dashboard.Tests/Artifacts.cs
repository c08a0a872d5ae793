namespace ProjectionGen.Tests;

/// <summary>Where the browser tests leave their screenshots and measurements: <c>artifacts/dashboard/</c> of the repository.</summary>
internal static class Artifacts
{
    public static string Directory
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ProjectionGen.sln")))
            {
                folder = folder.Parent;
            }

            var root = folder?.FullName ?? AppContext.BaseDirectory;
            var path = Path.Combine(root, "artifacts", "dashboard");
            System.IO.Directory.CreateDirectory(path);
            return path;
        }
    }

    public static string PathOf(string fileName) => Path.Combine(Directory, fileName);
}
