using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A real headless Chromium (Debian's <c>/usr/bin/chromium</c>) driven by its <c>/usr/bin/chromedriver</c> through
/// Selenium. Nothing is downloaded. Disposing quits the browser and the driver, also when the test failed.
/// </summary>
internal sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string ChromeDriverPath = "/usr/bin/chromedriver";

    private readonly ChromeDriverService service;

    private Browser(ChromeDriverService service, ChromeDriver driver)
    {
        this.service = service;
        Driver = driver;
    }

    public ChromeDriver Driver { get; }

    public static Browser Start()
    {
        Assert.True(File.Exists(ChromiumPath) && File.Exists(ChromeDriverPath),
            $"The browser tests need Debian's chromium and chromium-driver ({ChromiumPath}, {ChromeDriverPath}): apt-get install chromium chromium-driver (build/test.sh does).");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1500,1100", "--no-first-run", "--disable-extensions");
        try
        {
            return new Browser(service, new ChromeDriver(service, options, TimeSpan.FromSeconds(60)));
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    public void Open(Uri address) => Driver.Navigate().GoToUrl(address);

    /// <summary>Runs a script in the page and returns its result.</summary>
    public T Script<T>(string script, params object[] arguments) => (T)Driver.ExecuteScript(script, arguments)!;

    /// <summary>Runs a script that returns a number (WebDriver returns whole numbers as integers).</summary>
    public double Number(string script) => Convert.ToDouble(Driver.ExecuteScript(script), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Polls the page until <paramref name="condition"/> holds (the page redraws every refresh, so conditions query afresh).</summary>
    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var wait = new WebDriverWait(Driver, timeout) { PollingInterval = TimeSpan.FromMilliseconds(100), Message = what };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        wait.Until(_ => condition());
    }

    /// <summary>The text of every cell of the table's body rows, one string per row, cells joined by <c>|</c>.</summary>
    public IReadOnlyList<string> Rows(string table) =>
        Script<IReadOnlyCollection<object>>($"return Array.from(document.querySelectorAll('#{table} tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent).join('|'));")
            .Select(o => (string)o).ToList();

    /// <summary>Saves a screenshot in <c>artifacts/dashboard/</c>; called from <c>finally</c>, so it never hides the test's own failure.</summary>
    public void Screenshot(string name)
    {
        var path = Artifacts.PathOf(name + ".png");
        try
        {
            Driver.GetScreenshot().SaveAsFile(path);
            TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
        }
        catch (WebDriverException failure)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"no screenshot {path}: {failure.Message}");
        }
    }

    public void Dispose()
    {
        try
        {
            Driver.Quit();
        }
        finally
        {
            Driver.Dispose();
            service.Dispose();
        }
    }
}
