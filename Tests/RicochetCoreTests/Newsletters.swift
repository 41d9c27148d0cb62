/// Newsletters written in the styles senders really use: table layouts,
/// MSO conditionals, inline styles, sloppy markup.
struct Newsletter {
    let name: String
    let html: String
    /// How many links and images should be tracked.
    let trackable: Int
}

enum Newsletters {
    static let all = [tableLayout, msoButtons, sloppy, retail, plainish]

    static let tableLayout = Newsletter(
        name: "table layout",
        html: #"""
            <!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
            <html xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
            <head>
            <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1.0"/>
            <title>Spring News – <a href="https://not.a.link/">no</a></title>
            <style type="text/css">
              body{margin:0;padding:0} a[x-apple-data-detectors]{color:inherit !important}
              @media only screen and (max-width:600px){ .col{width:100% !important} }
            </style>
            </head>
            <body style="margin:0; padding:0;" bgcolor="#F0F0F0">
            <table border="0" cellpadding="0" cellspacing="0" width="100%" bgcolor="#F0F0F0">
              <tr>
                <td align="center" valign="top" style="padding: 20px 10px 40px 10px;">
                  <table border="0" cellpadding="0" cellspacing="0" width="600" class="col">
                    <tr>
                      <td align="center"><a href="https://www.example.com/?utm_source=news" target="_blank"><img src="https://cdn.example.com/logo.png" width="150" alt="Example" style="display:block; border:0;"/></a></td>
                    </tr>
                    <tr>
                      <td style="font-family: Arial, sans-serif; font-size: 16px; line-height: 24px;">
                        Hello *|FNAME|*, our <a href="https://www.example.com/spring" style="color:#1a82e2;">spring sale</a> starts today.
                        <img src="https://cdn.example.com/hero.jpg" width="600" height="300" alt="" border="0">
                      </td>
                    </tr>
                    <tr>
                      <td align="center" style="font-size:12px;color:#999999;">
                        <a href="*|UNSUB|*">Unsubscribe</a> | <a href="https://www.example.com/privacy">Privacy</a> | <a href="mailto:help@example.com">Help</a>
                      </td>
                    </tr>
                  </table>
                </td>
              </tr>
            </table>
            </body>
            </html>
            """#,
        trackable: 5
    )

    static let msoButtons = Newsletter(
        name: "MSO bulletproof buttons",
        html: #"""
            <html><body>
            <div><!--[if mso]>
              <v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" href="https://shop.example.org/cart" style="height:40px;v-text-anchor:middle;width:200px;" arcsize="10%" stroke="f" fillcolor="#d62828">
                <w:anchorlock/><center style="color:#ffffff;font-family:sans-serif;font-size:13px;font-weight:bold;">Checkout</center>
              </v:roundrect>
            <![endif]--><!--[if !mso]><!-- --><a href="https://shop.example.org/cart" data-ricochet-tags="hero"
              style="background-color:#d62828;border-radius:4px;color:#ffffff;display:inline-block;font-family:sans-serif;font-size:13px;font-weight:bold;line-height:40px;text-align:center;text-decoration:none;width:200px;-webkit-text-size-adjust:none;">Checkout</a><!--<![endif]--></div>
            <p>Questions? <a href='https://shop.example.org/faq'>Read the FAQ</a> or <A HREF="tel:+15555550100">call us</A>.</p>
            <p><a href="https://shop.example.org/account" data-ricochet-track="off">Your account</a></p>
            <img src='https://shop.example.org/footer.gif' alt='' width=1 height=1>
            </body></html>
            """#,
        trackable: 3
    )

    static let sloppy = Newsletter(
        name: "sloppy markup",
        html: #"""
            <HTML><BODY BGCOLOR=#ffffff>
            <FONT FACE=Verdana SIZE=2>
            <P>Dear member,<BR>
            <A HREF=https://club.example.net/news?id=42 TARGET=_blank>read the news</A>
            <p><b><i>unclosed bold and italic
            <a href = "https://club.example.net/events" >events</a >
            <img SRC="https://club.example.net/img/banner.gif" ALT="banner"
                 WIDTH=468 HEIGHT=60>
            <td><td></tr>
            <a href="https://club.example.net/a b">space in url</a>
            <a href="">empty</a><a href>bare</a><img src>
            </FONT>
            </BODY></HTML>
            """#,
        trackable: 4
    )

    static let retail = Newsletter(
        name: "retail grid with srcset and area maps",
        html: #"""
            <body>
            <img src="https://img.example.com/map.png" usemap="#m" alt="map">
            <map name="m"><area shape="rect" coords="0,0,100,100" href="https://store.example.com/left" alt="L"><area shape="rect" coords="100,0,200,100" href="#right" alt="R"></map>
            <table role="presentation"><tr>
            <td><a href="https://store.example.com/p/1"><img src="https://img.example.com/p1.jpg" srcset="https://img.example.com/p1@2x.jpg 2x" alt="Product 1"></a></td>
            <td><a href="https://store.example.com/p/2"><img src="https://img.example.com/p2.jpg" alt="Product 2 &amp; friends"></a></td>
            </tr></table>
            <p style="font-size:11px">Prices in €. ©2026 Store — <a href="https://store.example.com/unsubscribe?e=jane%40example.com">unsubscribe</a></p>
            </body>
            """#,
        trackable: 7
    )

    static let plainish = Newsletter(
        name: "almost plain",
        html: "<p>Hi,</p>\n<p>Just a note. See https://not-a-tag.example/ in text.</p>\n<p>— Jane</p>\n",
        trackable: 0
    )
}
